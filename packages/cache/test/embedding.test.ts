import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  CacheEngine,
  ErrorReply,
  InProcessCaller,
  parseConfigFile,
  runCacheServerCli,
  StatusReply,
} from '../src/index.js';

describe('in-process calls (what the script runner uses)', () => {
  it('runs commands from argv Buffers and returns reply values', () => {
    const engine = new CacheEngine();
    try {
      const caller = new InProcessCaller(engine);
      expect(caller.call(['SET', 'k', Buffer.from([0, 255])])).toEqual(new StatusReply('OK'));
      expect(Buffer.from(caller.call(['GET', 'k']) as string, 'latin1')).toEqual(Buffer.from([0, 255]));
      expect(caller.call(['RPUSH', 'l', 'a', 'b'])).toBe(2);
      expect(caller.call(['LRANGE', 'l', '0', '-1'])).toEqual(['a', 'b']);
      expect(caller.call(['GET', 'missing'])).toBeNull();
      expect(caller.call(['INCR', 'l'])).toEqual(
        new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value'),
      );
      expect(caller.call(['GET'])).toEqual(new ErrorReply("ERR wrong number of arguments for 'get' command"));
      expect(caller.call(['MULTI'])).toEqual(
        new ErrorReply('ERR This Redis command is not allowed from script'),
      );
      expect(caller.call(['BLPOP', 'empty', '0'])).toBeNull();
      caller.select(3);
      expect(caller.call(['DBSIZE'])).toBe(0);
    } finally {
      engine.shutdown();
    }
  });
});

describe('cache-server CLI', () => {
  it('reads a redis.conf and lets --flags override it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
    const file = join(dir, 'redis.conf');
    writeFileSync(
      file,
      `# test config\nport 0\nbind 127.0.0.1\nrequirepass "from file"\nmaxmemory 10mb\nmaxmemory-policy allkeys-lru\ndir ${dir}\n`,
    );
    const server = await runCacheServerCli([
      file,
      '--requirepass',
      'override',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
    ]);
    const redis = new Redis({ port: server.port, host: '127.0.0.1', password: 'override' });
    try {
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
      expect(await redis.config('GET', 'maxmemory')).toEqual(['maxmemory', String(10 * 1024 * 1024)]);
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      await redis.set('x', '1');
      expect(await redis.info('persistence')).toContain('aof_enabled:1');
    } finally {
      redis.disconnect();
      await server.close();
      process.removeAllListeners('SIGINT');
      process.removeAllListeners('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects unknown directives with the line number', () => {
    expect(() => parseConfigFile('port 1\nbogus-directive 3\n')).toThrow(
      "line 2: Bad directive or wrong number of arguments: 'bogus-directive'",
    );
    expect(() => parseConfigFile('maxmemory lots\n')).toThrow("line 1: 'maxmemory'");
  });
});
