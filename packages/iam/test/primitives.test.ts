import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MasterKey } from '../src/crypto/master-key.js';
import { hashOpaque, newOpaqueToken, opaqueDisplayPrefix, opaqueTenant } from '../src/crypto/opaque.js';
import { hashPassword, verifyPassword } from '../src/passwords/hashing.js';
import { passwordProblem } from '../src/passwords/policy.js';
import { BUILTIN_ROLES, PERMISSIONS } from '../src/permissions.js';

describe('password policy', () => {
  it.each([
    ['short', 'eleven-char', /at least 12/],
    ['common', 'password1234', /too common/],
    ['common with a suffix', 'Password123456!', /too common/],
    ['one repeated character', 'aaaaaaaaaaaaaaaa', /too common/],
    ['two characters', 'abababababababab', /too common/],
    ['too long', 'x'.repeat(257), /at most 256/],
  ])('refuses %s', (_name, password, reason) => {
    expect(passwordProblem(password)).toMatch(reason);
  });

  it('accepts a long passphrase, counting characters not bytes', () => {
    expect(passwordProblem('tidal-ferret-copper-92')).toBeUndefined();
    expect(passwordProblem('ünïcödé-pässwörd')).toBeUndefined();
    expect(passwordProblem('🔒🔑🗝️🔐🔓🛡️')).toMatch(/at least 12/);
  });

  it('hashes with argon2id at OWASP parameters and verifies', async () => {
    const hash = await hashPassword('correct horse battery staple 9');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'correct horse battery staple 9')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery staple 8')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });
});

describe('opaque tokens', () => {
  it('carry their tenant, are 256-bit random, and are stored as SHA-256', () => {
    const tenant = randomUUID();
    const a = newOpaqueToken('parley_rt', tenant);
    const b = newOpaqueToken('parley_rt', tenant);
    expect(a.token).not.toBe(b.token);
    expect(opaqueTenant('parley_rt', a.token)).toBe(tenant);
    expect(a.hash).toBe(hashOpaque(a.token));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(opaqueDisplayPrefix('parley_rt', a.token)).toMatch(/^parley_rt_…[A-Za-z0-9_-]{8}$/);
  });

  it('refuses the wrong kind and malformed input', () => {
    const { token } = newOpaqueToken('parley_ak', randomUUID());
    for (const bad of [
      '',
      'parley_ak_',
      `${token}x`,
      token.slice(0, -1),
      token.replace('parley_ak', 'parley_rt'),
      `parley_ak_${'!'.repeat(65)}`,
    ])
      expect(opaqueTenant('parley_ak', bad), bad).toBeUndefined();
    expect(opaqueTenant('parley_rt', token)).toBeUndefined();
  });
});

describe('master key envelope', () => {
  it('round-trips, and refuses tampering, another key and another context', () => {
    const key = MasterKey.random();
    const sealed = key.encrypt('private key pem', 'kid-1');
    expect(key.decrypt(sealed, 'kid-1')).toBe('private key pem');
    expect(() => key.decrypt(sealed, 'kid-2')).toThrow();
    expect(() => MasterKey.random().decrypt(sealed, 'kid-1')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => key.decrypt(parts.join('.'), 'kid-1')).toThrow();
    expect(() => MasterKey.parse('c2hvcnQ=')).toThrow(/32 bytes/);
  });

  it('is generated once into the data directory with mode 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-mk-'));
    try {
      const sealed = MasterKey.fromDataDir(dir).encrypt('x', 'c');
      expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
      expect(MasterKey.fromDataDir(dir).decrypt(sealed, 'c')).toBe('x');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('built-in roles', () => {
  it('grant only catalogued permissions: admin all, analyst and guest their subsets', () => {
    expect([...BUILTIN_ROLES.admin].sort()).toEqual([...PERMISSIONS].sort());
    for (const p of [...BUILTIN_ROLES.analyst, ...BUILTIN_ROLES.guest]) expect(PERMISSIONS).toContain(p);
    expect(BUILTIN_ROLES.guest.every((p) => BUILTIN_ROLES.analyst.includes(p))).toBe(true);
    expect(BUILTIN_ROLES.analyst).not.toContain('users:manage');
  });
});
