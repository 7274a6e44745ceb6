import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError, RequestParser, splitArgs } from '../src/protocol/parser.js';
import { ReplyWriter } from '../src/protocol/writer.js';
import { type Harness, rawExchange, resp, startHarness } from './helpers.js';

function parseAll(parser: RequestParser): string[][] {
  const out: string[][] = [];
  for (let argv = parser.next(); argv !== undefined; argv = parser.next()) out.push(argv);
  return out;
}

describe('RequestParser', () => {
  it('parses pipelined multibulk commands', () => {
    const parser = new RequestParser();
    parser.feed(Buffer.concat([resp('SET', 'k', 'v'), resp('GET', 'k')]));
    expect(parseAll(parser)).toEqual([
      ['SET', 'k', 'v'],
      ['GET', 'k'],
    ]);
  });

  it('resumes a command split at every byte boundary', () => {
    const wire = Buffer.concat([resp('SET', 'key', 'a\r\nb'), resp('PING')]);
    for (let cut = 1; cut < wire.length; cut++) {
      const parser = new RequestParser();
      parser.feed(wire.subarray(0, cut));
      const first = parseAll(parser);
      parser.feed(wire.subarray(cut));
      expect([...first, ...parseAll(parser)]).toEqual([['SET', 'key', 'a\r\nb'], ['PING']]);
    }
  });

  it('is binary safe: every byte value survives as one latin1 char', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const parser = new RequestParser();
    parser.feed(resp('SET', bytes, bytes));
    const [argv] = parseAll(parser);
    expect(Buffer.from(argv![1]!, 'latin1').equals(bytes)).toBe(true);
  });

  it('assembles a large bulk from many small chunks', () => {
    const value = Buffer.alloc(1_000_000, 'x');
    const wire = resp('SET', 'big', value);
    const parser = new RequestParser();
    for (let i = 0; i < wire.length; i += 1000) parser.feed(wire.subarray(i, i + 1000));
    const [argv] = parseAll(parser);
    expect(argv![2]!.length).toBe(1_000_000);
  });

  it('parses complete and incomplete commands alike (one-pass path and resumable path)', () => {
    const commands = [['GET', 'a'], ['SET', 'b', ''], ['get', 'c'], ['GET', ''], [''], ['GETX', 'd']];
    const wire = Buffer.concat(commands.map((argv) => resp(...argv)));
    const parser = new RequestParser();
    parser.feed(wire.subarray(0, wire.length - 3));
    const first = parseAll(parser);
    parser.feed(wire.subarray(wire.length - 3));
    expect([...first, ...parseAll(parser)]).toEqual(commands);
    const bad = new RequestParser();
    bad.feed(Buffer.from('*2\r\n$3\r\nGET\r\n$x\r\n'));
    expect(() => bad.next()).toThrow(new ProtocolError('invalid bulk length'));
  });

  it('copies what it keeps of a borrowed read buffer before the caller reuses it', () => {
    const value = Buffer.alloc(3000, 'v');
    const wire = Buffer.concat([resp('GET', 'a'), resp('SET', 'key', value), resp('PING')]);
    for (const size of [7, 100, 1024]) {
      // One reused buffer, as the listener's shared read buffer: overwritten after every read.
      const shared = Buffer.alloc(size);
      const parser = new RequestParser();
      const out: string[][] = [];
      for (let i = 0; i < wire.length; i += size) {
        const n = wire.copy(shared, 0, i, i + size);
        parser.feed(shared.subarray(0, n), true);
        out.push(...parseAll(parser));
        parser.release();
        shared.fill(0x21);
      }
      expect(out).toEqual([['GET', 'a'], ['SET', 'key', value.toString('latin1')], ['PING']]);
    }
  });

  it('parses inline commands with quotes and escapes', () => {
    const parser = new RequestParser();
    parser.feed(Buffer.from('SET k "hello world\\x41\\n"\r\nPING\n\r\n'));
    expect(parseAll(parser)).toEqual([['SET', 'k', 'hello worldA\n'], ['PING']]);
    expect(splitArgs("a 'it\\'s' b")).toEqual(['a', "it's", 'b']);
    expect(splitArgs('"unterminated')).toBeUndefined();
  });

  it('rejects absurd lengths before allocating anything', () => {
    const cases: [string, string][] = [
      ['*99999999999\r\n', 'invalid multibulk length'],
      ['*1\r\n$99999999999\r\n', 'invalid bulk length'],
      ['*1\r\n$-5\r\n', 'invalid bulk length'],
      ['*1\r\n+foo\r\n', "expected '$', got '+'"],
      ['*x\r\n', 'invalid multibulk length'],
    ];
    for (const [wire, message] of cases) {
      const parser = new RequestParser();
      parser.feed(Buffer.from(wire));
      expect(() => parseAll(parser)).toThrow(new ProtocolError(message));
    }
    const parser = new RequestParser();
    parser.feed(Buffer.alloc(70 * 1024, 'a'));
    expect(() => parser.next()).toThrow('too big inline request');
  });
});

describe('ReplyWriter', () => {
  it('writes RESP3 types and their RESP2 fallbacks', () => {
    const three = new ReplyWriter(3);
    three.map(1);
    three.bulk('a');
    three.double(1.5);
    three.nil();
    three.boolean(true);
    three.set(0);
    three.push(0);
    expect(three.take()).toBe('%1\r\n$1\r\na\r\n,1.5\r\n_\r\n#t\r\n~0\r\n>0\r\n');
    const two = new ReplyWriter(2);
    two.map(1);
    two.bulk('a');
    two.double(Number.POSITIVE_INFINITY);
    two.nil();
    two.nilArray();
    two.boolean(false);
    expect(two.take()).toBe('*2\r\n$1\r\na\r\n$3\r\ninf\r\n$-1\r\n*-1\r\n:0\r\n');
  });

  it('keeps error replies on one line', () => {
    const w = new ReplyWriter();
    w.error('ERR bad\r\nthing');
    expect(w.take()).toBe('-ERR bad thing\r\n');
  });
});

describe('protocol over TCP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it('answers a pipeline of inline and multibulk commands in order', async () => {
    const { reply } = await rawExchange(
      h.server.port,
      Buffer.concat([Buffer.from('PING\r\n'), resp('ECHO', 'hi'), Buffer.from('ECHO "a b"\r\n')]),
    );
    expect(reply).toBe('+PONG\r\n$2\r\nhi\r\n$3\r\na b\r\n');
  });

  it('replies with a protocol error and closes on malformed input; others are unaffected', async () => {
    const other = h.client();
    await other.set('survivor', '1');
    const bad = await rawExchange(h.server.port, '*1\r\n$4\r\nPING\r\n*2\r\n!oops\r\n');
    expect(bad.reply).toBe("+PONG\r\n-ERR Protocol error: expected '$', got '!'\r\n");
    expect(bad.closed).toBe(true);
    const huge = await rawExchange(h.server.port, '*2147483648\r\n');
    expect(huge.reply).toBe('-ERR Protocol error: invalid multibulk length\r\n');
    expect(huge.closed).toBe(true);
    const quotes = await rawExchange(h.server.port, 'SET "a b\r\n');
    expect(quotes.reply).toBe('-ERR Protocol error: unbalanced quotes in request\r\n');
    expect(await other.get('survivor')).toBe('1');
  });

  it('handles binary keys and values end to end', async () => {
    const redis = h.client();
    const key = Buffer.from([0, 255, 13, 10, 128]);
    const value = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
    await redis.set(key, value);
    expect((await redis.getBuffer(key))!.equals(value)).toBe(true);
    expect(await redis.exists(key)).toBe(1);
  });

  it('stores and returns a large bulk string', async () => {
    const redis = h.client();
    const value = 'v'.repeat(8 * 1024 * 1024);
    await redis.set('large', value);
    expect(await redis.strlen('large')).toBe(value.length);
    expect(await redis.get('large')).toBe(value);
  });
});
