/**
 * RESP2/RESP3 reply writer. Replies accumulate in one 'latin1' string per client and are written
 * with a single socket write per read event (Redis's client output buffer). Every bulk is a
 * latin1 string, so its length in chars is its length in bytes.
 *
 * The RESP3-only types (map, set, double, null, boolean, push, verbatim) fall back to their
 * RESP2 shapes when the client speaks RESP2, exactly as Redis does.
 */
export type Protocol = 2 | 3;

/** `:n\r\n` for the small counts most integer replies are (SADD, HSET, LPUSH...), encoded once. */
const SMALL_INTEGERS = Array.from({ length: 1024 }, (_, n) => `:${n}\r\n`);

export class ReplyWriter {
  out = '';
  constructor(public protocol: Protocol = 2) {}

  take(): string {
    const out = this.out;
    this.out = '';
    return out;
  }

  ok(): void {
    this.out += '+OK\r\n';
  }

  simple(text: string): void {
    this.out += `+${text}\r\n`;
  }

  /** An error line; CR/LF inside it would break framing, so Redis replaces them with spaces. */
  error(message: string): void {
    this.out += `-${/[\r\n]/.test(message) ? message.replace(/[\r\n]+/g, ' ') : message}\r\n`;
  }

  integer(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value < 1024 && (value | 0) === value)
      this.out += SMALL_INTEGERS[value];
    else this.out += `:${value}\r\n`;
  }

  /** An integer the caller already holds as decimal text (INCR stores the same text). */
  integerText(text: string): void {
    this.out += `:${text}\r\n`;
  }

  bulk(value: string): void {
    this.out += `$${value.length}\r\n${value}\r\n`;
  }

  /** A bulk, or null when the value is missing. */
  bulkOrNil(value: string | undefined): void {
    if (value === undefined) this.nil();
    else this.out += `$${value.length}\r\n${value}\r\n`;
  }

  nil(): void {
    this.out += this.protocol === 3 ? '_\r\n' : '$-1\r\n';
  }

  nilArray(): void {
    this.out += this.protocol === 3 ? '_\r\n' : '*-1\r\n';
  }

  array(length: number): void {
    this.out += `*${length}\r\n`;
  }

  /** A map of `pairs` entries; RESP2 flattens it into an array of 2*pairs items. */
  map(pairs: number): void {
    this.out += this.protocol === 3 ? `%${pairs}\r\n` : `*${pairs * 2}\r\n`;
  }

  set(length: number): void {
    this.out += this.protocol === 3 ? `~${length}\r\n` : `*${length}\r\n`;
  }

  push(length: number): void {
    this.out += this.protocol === 3 ? `>${length}\r\n` : `*${length}\r\n`;
  }

  double(value: number): void {
    const text = formatDouble(value);
    if (this.protocol === 3) this.out += `,${text}\r\n`;
    else this.out += `$${text.length}\r\n${text}\r\n`;
  }

  boolean(value: boolean): void {
    if (this.protocol === 3) this.out += value ? '#t\r\n' : '#f\r\n';
    else this.out += value ? ':1\r\n' : ':0\r\n';
  }

  /** Free text (INFO, CLIENT LIST); a verbatim string in RESP3. */
  verbatim(text: string): void {
    if (this.protocol === 3) this.out += `=${text.length + 4}\r\ntxt:${text}\r\n`;
    else this.bulk(text);
  }

  bulks(values: readonly string[]): void {
    this.out += `*${values.length}\r\n`;
    for (const value of values) this.out += `$${value.length}\r\n${value}\r\n`;
  }

  /** Raw, already-encoded RESP (a queued reply, a script's result). */
  raw(resp: string): void {
    this.out += resp;
  }
}

/** Scores and floats as Redis prints them: shortest round-trip form, `inf`/`-inf`. */
export function formatDouble(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}
