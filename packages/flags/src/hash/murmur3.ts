const encoder = new TextEncoder();

/**
 * MurmurHash3 x86 32-bit over the UTF-8 bytes of `key` (as Unleash's Go/Java SDKs and flagd hash),
 * returned unsigned. Written by hand because it sits on the evaluation hot path: ASCII keys are
 * hashed straight from char codes without allocating a byte array.
 */
export function murmur3(key: string, seed = 0): number {
  let ascii = true;
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  return ascii
    ? hashBytes((i) => key.charCodeAt(i), key.length, seed)
    : murmur3Bytes(encoder.encode(key), seed);
}

export function murmur3Bytes(bytes: Uint8Array, seed = 0): number {
  return hashBytes((i) => bytes[i]!, bytes.length, seed);
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function hashBytes(byteAt: (i: number) => number, length: number, seed: number): number {
  let h = seed >>> 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = byteAt(i) | (byteAt(i + 1) << 8) | (byteAt(i + 2) << 16) | (byteAt(i + 3) << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= byteAt(blocks + 2) << 16;
    if (tail >= 2) k ^= byteAt(blocks + 1) << 8;
    k ^= byteAt(blocks);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
