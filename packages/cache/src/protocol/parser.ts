import { latin1Slice } from './latin1.js';

/**
 * Streaming RESP request parser (what Redis's networking.c does in processMultibulkBuffer and
 * processInlineBuffer). Bytes arrive in arbitrary chunks; `next()` yields one complete command at
 * a time so the caller can stop between commands (a client that blocks on BLPOP must not run the
 * rest of its pipeline yet).
 *
 * Arguments come out as 'latin1' strings: one char per byte, so they are binary safe, compact in
 * V8 (one-byte strings) and cheap to write back. Lengths are checked against the limits before
 * anything is allocated, and a bulk that spans many chunks is concatenated once, not per chunk.
 */
export interface ParserLimits {
  /** Largest `*<count>` accepted (Redis: 1024*1024). */
  maxMultibulk: number;
  /** Largest `$<len>` accepted (Redis: proto-max-bulk-len, 512mb; capped by V8's string limit). */
  maxBulk: number;
  /** Longest inline command or length line (Redis: PROTO_INLINE_MAX_SIZE, 64kb). */
  maxInline: number;
}

/** V8 cannot hold a string longer than 2^29 - 24 chars. */
const MAX_STRING = 2 ** 29 - 24;

export const defaultLimits: ParserLimits = {
  maxMultibulk: 1024 * 1024,
  maxBulk: MAX_STRING,
  maxInline: 64 * 1024,
};

export class ProtocolError extends Error {}

const UNAUTHENTICATED_MULTIBULK = 10;
const UNAUTHENTICATED_BULK = 16 * 1024;
const EMPTY = Buffer.alloc(0);
const CR = 13;
const LF = 10;

export class RequestParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Chunks held back while a long bulk is still incomplete. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes beyond the held buffer needed before parsing can make progress. */
  private need = 0;
  /** The multibulk being assembled, if any. */
  private args: string[] | null = null;
  private remaining = 0;
  private bulkLen = -1;
  /** Read position of `whole` while it parses. */
  private at = 0;
  /** The previous command name (see commandName). */
  private lastName = '';
  /** Whether `buf` is the caller's reusable read buffer (see feed). */
  private borrowed = false;

  /**
   * Before AUTH, Redis accepts only small requests (10 arguments, 16 KB bulks), so an
   * unauthenticated peer cannot make the server buffer much.
   */
  unauthenticated = false;

  constructor(private readonly limits: ParserLimits = defaultLimits) {}

  /**
   * Adds received bytes. A `borrowed` chunk is a buffer the caller reuses for its next read (one
   * read buffer shared by every socket): call `release()` once done parsing, and whatever is left
   * of it is copied out then.
   */
  feed(chunk: Buffer, borrowed = false): void {
    if (this.pos >= this.buf.length && this.pending.length === 0) {
      this.buf = chunk;
      this.pos = 0;
      this.need = 0;
      this.borrowed = borrowed;
      return;
    }
    // Held back until the long bulk is complete: this must be a copy of its own.
    this.pending.push(borrowed ? Buffer.from(chunk) : chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.need) return;
    this.pending.unshift(this.buf.subarray(this.pos));
    this.buf = Buffer.concat(this.pending);
    this.pos = 0;
    this.pending = [];
    this.pendingBytes = 0;
    this.need = 0;
    this.borrowed = false;
  }

  /** Stops referring to a borrowed chunk: the unparsed rest (an incomplete command) is copied. */
  release(): void {
    if (!this.borrowed) return;
    this.borrowed = false;
    this.buf = this.pos >= this.buf.length ? EMPTY : Buffer.from(this.buf.subarray(this.pos));
    this.pos = 0;
  }

  /** Bytes received but not yet consumed by a complete command. */
  get buffered(): number {
    return this.buf.length - this.pos + this.pendingBytes;
  }

  /** The next complete command, or undefined until more bytes arrive. Throws ProtocolError. */
  next(): string[] | undefined {
    if (this.args === null && this.need === 0 && !this.unauthenticated && this.buf[this.pos] === 42) {
      const argv = this.whole();
      if (argv !== undefined) return argv;
    }
    for (;;) {
      if (this.need > 0) return undefined;
      if (this.args === null) {
        if (this.pos >= this.buf.length) return undefined;
        if (this.buf[this.pos] !== 42 /* '*' */) {
          const inline = this.inline();
          if (inline === undefined) return undefined;
          if (inline.length === 0) continue;
          return inline;
        }
        const count = this.lengthLine(this.pos + 1, 'too big mbulk count string', 'invalid multibulk length');
        if (count === undefined) return undefined;
        if (this.unauthenticated && count > UNAUTHENTICATED_MULTIBULK)
          throw new ProtocolError('unauthenticated multibulk length');
        if (count > this.limits.maxMultibulk) throw new ProtocolError('invalid multibulk length');
        if (count <= 0) continue;
        this.args = new Array<string>(count);
        this.remaining = count;
      }
      const argv = this.args;
      while (this.remaining > 0) {
        if (this.bulkLen < 0) {
          if (this.pos >= this.buf.length) return this.wait(1);
          const lead = this.buf[this.pos]!;
          if (lead !== 36 /* '$' */)
            throw new ProtocolError(`expected '$', got '${String.fromCharCode(lead)}'`);
          const len = this.lengthLine(this.pos + 1, 'too big bulk count string', 'invalid bulk length');
          if (len === undefined) return undefined;
          if (this.unauthenticated && len > UNAUTHENTICATED_BULK)
            throw new ProtocolError('unauthenticated bulk length');
          if (len < 0 || len > this.limits.maxBulk) throw new ProtocolError('invalid bulk length');
          this.bulkLen = len;
        }
        const end = this.pos + this.bulkLen;
        if (end + 2 > this.buf.length) return this.wait(end + 2 - this.buf.length);
        argv[argv.length - this.remaining] = latin1Slice(this.buf, this.pos, end);
        this.pos = end + 2;
        this.bulkLen = -1;
        this.remaining--;
      }
      this.args = null;
      return argv;
    }
  }

  /**
   * The common case in one pass: a multibulk command that is complete in the buffer, with
   * well-formed lengths. Anything else (incomplete, malformed, over a limit) returns undefined
   * without consuming, and the general resumable path above takes it, errors included.
   */
  private whole(): string[] | undefined {
    const buf = this.buf;
    const size = buf.length;
    this.at = this.pos + 1;
    const count = this.decimal(buf, size, 7);
    if (count <= 0 || count > this.limits.maxMultibulk) return undefined;
    const argv = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      if (this.at >= size || buf[this.at++] !== 36 /* '$' */) return undefined;
      const len = this.decimal(buf, size, 9);
      const start = this.at;
      const end = start + len;
      if (len < 0 || len > this.limits.maxBulk || end + 2 > size) return undefined;
      argv[i] = i === 0 ? this.commandName(buf, start, end) : latin1Slice(buf, start, end);
      this.at = end + 2;
    }
    this.pos = this.at;
    return argv;
  }

  /**
   * For `whole`: the decimal number at `this.at` (1 to maxDigits digits) and its CRLF, after
   * which `this.at` is left; -1 if the line is anything else or incomplete.
   */
  private decimal(buf: Buffer, size: number, maxDigits: number): number {
    let p = this.at;
    let value = 0;
    for (let digits = 0; ; digits++) {
      if (p >= size || digits > maxDigits) return -1;
      const digit = buf[p++]! - 48;
      if (digit === CR - 48 && digits > 0) break;
      if (digit < 0 || digit > 9) return -1;
      value = value * 10 + digit;
    }
    if (p >= size || buf[p] !== LF) return -1;
    this.at = p + 1;
    return value;
  }

  /**
   * A client mostly repeats the same few commands: the name is reused when its bytes match the
   * previous one, which saves a string per command and keeps its hash cached for the lookup.
   */
  private commandName(buf: Buffer, start: number, end: number): string {
    const last = this.lastName;
    if (end - start === last.length) {
      let i = 0;
      while (i < last.length && buf[start + i] === last.charCodeAt(i)) i++;
      if (i === last.length) return last;
    }
    this.lastName = latin1Slice(buf, start, end);
    return this.lastName;
  }

  private wait(bytes: number): undefined {
    this.need = bytes;
    return undefined;
  }

  /**
   * Parses the decimal number of a `*n` or `$n` line starting at `from` and moves past its CRLF.
   * Returns undefined (and waits) if the line is incomplete.
   */
  private lengthLine(from: number, tooBig: string, invalid: string): number | undefined {
    const buf = this.buf;
    const cr = buf.indexOf(CR, from);
    if (cr < 0 || cr + 1 >= buf.length) {
      if (buf.length - from > this.limits.maxInline) throw new ProtocolError(tooBig);
      this.wait(1);
      return undefined;
    }
    if (buf[cr + 1] !== LF) throw new ProtocolError(invalid);
    let i = from;
    let negative = false;
    if (buf[i] === 45 /* '-' */) {
      negative = true;
      i++;
    }
    if (i === cr || cr - i > 18) throw new ProtocolError(invalid);
    let value = 0;
    for (; i < cr; i++) {
      const digit = buf[i]! - 48;
      if (digit < 0 || digit > 9) throw new ProtocolError(invalid);
      value = value * 10 + digit;
    }
    this.pos = cr + 2;
    return negative ? -value : value;
  }

  /** An inline command: a line of space-separated words with optional quoting (sdssplitargs). */
  private inline(): string[] | undefined {
    const buf = this.buf;
    const lf = buf.indexOf(LF, this.pos);
    if (lf < 0) {
      if (buf.length - this.pos > this.limits.maxInline) throw new ProtocolError('too big inline request');
      this.wait(1);
      return undefined;
    }
    let end = lf;
    if (end > this.pos && buf[end - 1] === CR) end--;
    const line = latin1Slice(buf, this.pos, end);
    this.pos = lf + 1;
    const args = splitArgs(line);
    if (args === undefined) throw new ProtocolError('unbalanced quotes in request');
    return args;
  }
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/**
 * Splits a line into arguments like Redis's sdssplitargs: whitespace separates words, "..."
 * supports \n \r \t \b \a \xHH escapes, '...' supports \'. Returns undefined on unbalanced quotes.
 */
export function splitArgs(line: string): string[] | undefined {
  const args: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) break;
    let word = '';
    const quote = line[i] === '"' || line[i] === "'" ? line[i] : '';
    if (quote) i++;
    let closed = !quote;
    while (i < n) {
      const ch = line[i]!;
      if (quote === '"' && ch === '\\' && i + 1 < n) {
        const next = line[i + 1]!;
        const hex = line.slice(i + 2, i + 4);
        if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(hex)) {
          word += String.fromCharCode(Number.parseInt(hex, 16));
          i += 4;
        } else {
          word += ESCAPES[next] ?? next;
          i += 2;
        }
      } else if (quote === "'" && ch === '\\' && line[i + 1] === "'") {
        word += "'";
        i += 2;
      } else if (quote && ch === quote) {
        closed = true;
        i++;
        // A closing quote must be followed by a space or the end of the line.
        if (i < n && !/\s/.test(line[i]!)) return undefined;
        break;
      } else if (!quote && /\s/.test(ch)) {
        break;
      } else {
        word += ch;
        i++;
      }
    }
    if (!closed) return undefined;
    args.push(word);
  }
  return args;
}
