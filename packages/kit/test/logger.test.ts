import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ destination, level: 'info' }) };
}

describe('createLogger', () => {
  it('redacts credentials wherever they travel', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer eyJhbGciOi.secret', cookie: 'sid=abc', host: 'x' } },
        body: { email: 'a@b.c', password: 'correct horse battery staple', refreshToken: 'rt_123' },
        apiKey: 'pk_live_123',
      },
      'login',
    );
    const text = lines.join('');
    for (const secret of ['eyJhbGciOi.secret', 'sid=abc', 'correct horse', 'rt_123', 'pk_live_123']) {
      expect(text).not.toContain(secret);
    }
    const line = JSON.parse(text);
    expect(line.req.headers.host).toBe('x');
    expect(line.body.email).toBe('a@b.c');
    expect(line.body.password).toBe('[redacted]');
  });
});
