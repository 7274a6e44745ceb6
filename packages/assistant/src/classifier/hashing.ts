/**
 * Feature hashing ("the hashing trick"): features are FNV-1a hashed into a fixed number of buckets,
 * so the vectorizer has no vocabulary to store and the model is a fixed-size typed array. One more
 * bit of the hash gives a sign, so colliding features tend to cancel instead of adding up.
 */
const FNV_PRIME = 0x01000193;
export const FNV_OFFSET = 0x811c9dc5;

export function fnvStep(hash: number, code: number): number {
  return Math.imul(hash ^ code, FNV_PRIME) >>> 0;
}

export function fnvString(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) hash = fnvStep(hash, text.charCodeAt(i));
  return hash;
}

/** Final avalanche (murmur3 fmix32) so low bits are well mixed before masking. */
export function mix(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
