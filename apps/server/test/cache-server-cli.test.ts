import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;

describe('parley cache-server', () => {
  it('serves Redis clients with the redis-server argument grammar and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'cache-server', '--port', '0', '--bind', '127.0.0.1', '--requirepass', 'letmein-now'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let port = 0;
      for await (const line of createInterface({ input: child.stdout! })) {
        const entry = JSON.parse(line) as { msg: string; port?: number };
        if (entry.msg === 'Parley cache ready to accept connections') {
          port = entry.port!;
          break;
        }
      }
      expect(port).toBeGreaterThan(0);
      const redis = new Redis({ port, host: '127.0.0.1', password: 'letmein-now', lazyConnect: true });
      await redis.connect();
      expect(await redis.set('greeting', 'hello')).toBe('OK');
      expect(await redis.get('greeting')).toBe('hello');
      redis.disconnect();
      const anonymous = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
        enableReadyCheck: false,
        maxRetriesPerRequest: 0,
      });
      await anonymous.connect();
      await expect(anonymous.get('greeting')).rejects.toThrow(/NOAUTH/);
      anonymous.disconnect();
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
