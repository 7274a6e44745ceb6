/**
 * Bytes <-> latin1 strings (one char per byte: how keys and values are held) without Buffer's
 * generic toString/write wrappers, which check their arguments and look the encoding up on every
 * call; the hot paths (the request parser, the Lua bridge) convert many short strings.
 */
type Latin1Slice = (this: Buffer, start: number, end: number) => string;
type Latin1Write = (this: Buffer, text: string, offset: number, length: number) => number;

/**
 * Buffer#latin1Slice / #latin1Write are what buf.toString('latin1', s, e) and
 * buf.write(s, o, 'latin1') end up calling; they have been on Buffer.prototype since Node 0.x.
 * Fall back to the public calls if a Node version drops them.
 */
const proto = Buffer.prototype as unknown as { latin1Slice?: Latin1Slice; latin1Write?: Latin1Write };
const nativeSlice: Latin1Slice =
  proto.latin1Slice ??
  function (this: Buffer, start, end) {
    return this.toString('latin1', start, end);
  };
const nativeWrite: Latin1Write =
  proto.latin1Write ??
  function (this: Buffer, text, offset, length) {
    return this.write(text, offset, length, 'latin1');
  };

/** The bytes `start..end` of `buf` as a latin1 string. */
export function latin1Slice(buf: Buffer, start: number, end: number): string {
  return nativeSlice.call(buf, start, end);
}

/**
 * Below this length a JavaScript loop beats the call into C++ (measured: the native call costs
 * about as much as copying a few dozen chars by hand).
 */
const SHORT = 32;

/** Writes `text` (latin1: every char < 256) into `buf` at `at`; returns the bytes written. */
export function latin1Write(buf: Buffer, text: string, at: number): number {
  const length = text.length;
  if (length < SHORT) {
    for (let i = 0; i < length; i++) buf[at + i] = text.charCodeAt(i);
    return length;
  }
  return nativeWrite.call(buf, text, at, length);
}
