import { connect } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type CacheServer, type StartOptions, startCacheServer } from '../src/index.js';

/** A server on a free port plus ioredis clients that are all closed by `stop()`. */
export interface Harness {
  server: CacheServer;
  client(options?: RedisOptions): Redis;
  stop(): Promise<void>;
}

export async function startHarness(options: StartOptions = {}): Promise<Harness> {
  const server = await startCacheServer({ port: 0, host: '127.0.0.1', ...options });
  const clients: Redis[] = [];
  return {
    server,
    client(extra = {}) {
      const redis = new Redis({
        port: server.port,
        host: '127.0.0.1',
        maxRetriesPerRequest: 0,
        lazyConnect: false,
        ...extra,
      });
      clients.push(redis);
      return redis;
    },
    async stop() {
      for (const redis of clients) redis.disconnect();
      await server.close();
    },
  };
}

/**
 * The suite set-up most command tests share: one server for the file, one client, and an empty
 * keyspace before every test. Read `t.redis` and `t.h` inside tests (they are set in beforeAll).
 */
export function useFlushedServer(): { readonly h: Harness; readonly redis: Redis } {
  const t = {} as { h: Harness; redis: Redis };
  beforeAll(async () => {
    t.h = await startHarness();
    t.redis = t.h.client();
  });
  afterAll(() => t.h.stop());
  beforeEach(async () => {
    await t.redis.flushall();
  });
  return t;
}

/**
 * Sends raw bytes and collects what the server answers until `idleMs` of silence or the
 * connection closes. For protocol-level tests that a client library would not let us write.
 */
export function rawExchange(
  port: number,
  data: Buffer | string,
  idleMs = 150,
): Promise<{ reply: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    let timer: NodeJS.Timeout;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, idleMs);
    };
    socket.on('connect', () => {
      socket.write(data);
      arm();
    });
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      arm();
    });
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('error', finish);
  });
}

/** RESP-encodes a command. */
export function resp(...args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}
