import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError, RequestParser } from '../src/protocol/parser.js';
import { type Harness, resp, startHarness } from './helpers.js';

/** A small deterministic PRNG so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const VALID = Buffer.concat([
  resp('SET', 'key', 'value'),
  resp('GET', 'key'),
  Buffer.from('PING\r\n'),
  resp('HSET', 'h', 'f', Buffer.from([0, 1, 2, 255])),
  resp('LPUSH', 'l', 'a', 'b'),
]);

function mutate(random: () => number, input: Buffer): Buffer {
  const out = Buffer.from(input);
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * out.length);
    const choice = random();
    if (choice < 0.4) out[at] = Math.floor(random() * 256);
    else if (choice < 0.7) out[at] = '*$\r\n-0123456789'.charCodeAt(Math.floor(random() * 15));
    else return Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + Math.floor(random() * 8))]);
  }
  return out;
}

/** Feeds input in random chunk sizes; returns how it ended. Throws on anything but ProtocolError. */
function drive(random: () => number, input: Buffer): 'ok' | 'protocol-error' {
  const parser = new RequestParser({ maxMultibulk: 1024 * 1024, maxBulk: 1 << 20, maxInline: 64 * 1024 });
  let offset = 0;
  while (offset < input.length) {
    const size = 1 + Math.floor(random() * 64);
    parser.feed(input.subarray(offset, offset + size));
    offset += size;
    try {
      // Each call either consumes input or returns undefined, so this loop is bounded by the input size.
      for (let n = 0; n <= input.length && parser.next() !== undefined; n++);
    } catch (error) {
      if (error instanceof ProtocolError) return 'protocol-error';
      throw error;
    }
  }
  return 'ok';
}

describe('parser fuzzing', () => {
  it('random bytes never crash or hang the parser', () => {
    const random = prng(42);
    for (let i = 0; i < 3000; i++) {
      const input = Buffer.from(
        Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)),
      );
      expect(['ok', 'protocol-error']).toContain(drive(random, input));
    }
  });

  it('mutated valid traffic never crashes or hangs the parser', () => {
    const random = prng(7);
    const outcomes = new Set<string>();
    for (let i = 0; i < 5000; i++) outcomes.add(drive(random, mutate(random, VALID)));
    expect(outcomes).toEqual(new Set(['ok', 'protocol-error']));
  });
});

describe('server fuzzing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it('survives mutated traffic on many connections and keeps serving others', async () => {
    const random = prng(99);
    const bystander = h.client();
    await bystander.set('still', 'here');
    const sessions = Array.from(
      { length: 60 },
      () =>
        new Promise<void>((resolve) => {
          const socket = connect(h.server.port, '127.0.0.1');
          socket.on('connect', () => {
            socket.write(mutate(random, Buffer.concat([VALID, VALID])));
            setTimeout(() => socket.destroy(), 50);
          });
          socket.on('data', () => {});
          socket.on('error', () => resolve());
          socket.on('close', () => resolve());
        }),
    );
    await Promise.all(sessions);
    expect(await bystander.get('still')).toBe('here');
    expect(await bystander.ping()).toBe('PONG');
  });
});
