/**
 * Removes comments and indentation from a Lua script, keeping every newline so that line numbers
 * in error messages stay those of the original. The VM compiles a script on every run (it has no
 * function cache), and compile time grows with source length: BullMQ's scripts carry long comment
 * blocks, and stripping them makes each run about a third cheaper. Strings, long strings and
 * everything else are copied as they are.
 */
export function stripLua(source: string): string {
  let out = '';
  let i = 0;
  let lineStart = true;
  const length = source.length;
  while (i < length) {
    const ch = source[i]!;
    if (lineStart && (ch === ' ' || ch === '\t')) {
      i++;
      continue;
    }
    lineStart = ch === '\n';
    if (ch === '-' && source[i + 1] === '-') {
      const level = longBracket(source, i + 2);
      if (level >= 0) {
        const end = longBracketEnd(source, i + 2, level);
        // A space keeps `a--[[x]]b` two tokens; the newlines keep the line numbers.
        out += ` ${source.slice(i, end).replace(/[^\n]/g, '')}`;
        i = end;
      } else {
        const newline = source.indexOf('\n', i);
        i = newline < 0 ? length : newline;
      }
      continue;
    }
    if (ch === '[') {
      const level = longBracket(source, i);
      if (level >= 0) {
        const end = longBracketEnd(source, i, level);
        out += source.slice(i, end);
        i = end;
        continue;
      }
    }
    if (ch === '"' || ch === "'") {
      let end = i + 1;
      while (end < length && source[end] !== ch && source[end] !== '\n') end += source[end] === '\\' ? 2 : 1;
      out += source.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** The level of a long bracket `[==[` opening at `at` (the count of `=`), or -1 if there is none. */
function longBracket(source: string, at: number): number {
  if (source[at] !== '[') return -1;
  let level = 0;
  while (source[at + 1 + level] === '=') level++;
  return source[at + 1 + level] === '[' ? level : -1;
}

/** The index just past the `]==]` closing a long bracket of `level` opened at `at` (or the end). */
function longBracketEnd(source: string, at: number, level: number): number {
  const close = `]${'='.repeat(level)}]`;
  const end = source.indexOf(close, at + level + 2);
  return end < 0 ? source.length : end + close.length;
}
