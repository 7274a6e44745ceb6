import { describe, expect, it } from 'vitest';
import { murmur3, murmur3Bytes } from '../src/hash/murmur3.js';

// Reference vectors of MurmurHash3_x86_32 (SMHasher's verification set as widely republished).
const VECTORS: [string, number, number][] = [
  ['', 0, 0],
  ['', 1, 0x514e28b7],
  ['', 0xffffffff, 0x81f16f39],
  ['\0\0\0\0', 0, 0x2362f9de],
  ['aaaa', 0x9747b28c, 0x5a97808a],
  ['aaa', 0x9747b28c, 0x283e0130],
  ['aa', 0x9747b28c, 0x5d211726],
  ['a', 0x9747b28c, 0x7fa09ea6],
  ['abcd', 0x9747b28c, 0xf0478627],
  ['abc', 0x9747b28c, 0xc84a62dd],
  ['Hello, world!', 0x9747b28c, 0x24884cba],
  ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
];

describe('murmur3 x86 32', () => {
  it.each(VECTORS)('hash(%j, %d)', (key, seed, expected) => {
    expect(murmur3(key, seed)).toBe(expected);
  });

  it('hashes non-ASCII keys as their UTF-8 bytes', () => {
    expect(murmur3('π', 7)).toBe(murmur3Bytes(Uint8Array.from([0xcf, 0x80]), 7));
    expect(murmur3('naïve:user', 0)).toBe(murmur3Bytes(new TextEncoder().encode('naïve:user'), 0));
  });
});
