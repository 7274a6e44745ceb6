/**
 * Redis's glob matcher (util.c stringmatchlen): `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes,
 * on latin1 strings so it works byte by byte. Iterative with backtracking to the last `*`,
 * so a hostile pattern costs O(pattern × subject), not exponential time.
 */
export function globMatch(pattern: string, subject: string, nocase = false): boolean {
  if (nocase) {
    pattern = pattern.toLowerCase();
    subject = subject.toLowerCase();
  }
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < subject.length) {
    if (p < pattern.length) {
      const ch = pattern[p]!;
      if (ch === '*') {
        while (pattern[p] === '*') p++;
        if (p === pattern.length) return true;
        starP = p;
        starS = s;
        continue;
      }
      if (ch === '?') {
        p++;
        s++;
        continue;
      }
      if (ch === '[') {
        const end = matchClass(pattern, p, subject[s]!);
        if (end > 0) {
          p = end;
          s++;
          continue;
        }
      } else {
        let literal = ch;
        let next = p + 1;
        if (ch === '\\' && p + 1 < pattern.length) {
          literal = pattern[p + 1]!;
          next = p + 2;
        }
        if (literal === subject[s]) {
          p = next;
          s++;
          continue;
        }
      }
    }
    if (starP < 0) return false;
    p = starP;
    s = ++starS;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Matches a `[...]` class at pattern[p]; returns the index after it, or -1 if it does not match. */
function matchClass(pattern: string, p: number, ch: string): number {
  let i = p + 1;
  const negate = pattern[i] === '^';
  if (negate) i++;
  let matched = false;
  while (i < pattern.length && pattern[i] !== ']') {
    if (pattern[i] === '\\' && i + 1 < pattern.length) {
      if (pattern[i + 1] === ch) matched = true;
      i += 2;
    } else if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      let lo = pattern[i]!;
      let hi = pattern[i + 2]!;
      if (lo > hi) [lo, hi] = [hi, lo];
      if (ch >= lo && ch <= hi) matched = true;
      i += 3;
    } else {
      if (pattern[i] === ch) matched = true;
      i++;
    }
  }
  // An unterminated class is treated as ending at the end of the pattern, as Redis does.
  const end = i < pattern.length ? i + 1 : i;
  return matched !== negate ? end : -1;
}
