import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Envelope for secrets at rest (signing keys' private parts): AES-256-GCM under the master key,
 * stored as `v1.<iv>.<tag>.<ciphertext>` (base64url). The authentication tag makes any change to
 * a stored value fail loudly instead of decrypting to garbage.
 */
export class MasterKey {
  private constructor(private readonly key: Buffer) {}

  /** From PARLEY_MASTER_KEY: 32 bytes, base64 or base64url (e.g. `openssl rand -base64 32`). */
  static parse(encoded: string): MasterKey {
    const key = Buffer.from(encoded.trim(), 'base64');
    if (key.length !== 32) throw new Error('PARLEY_MASTER_KEY must be 32 bytes encoded as base64');
    return new MasterKey(key);
  }

  /**
   * Development convenience: the key in `<dataDir>/master.key`, created with mode 0600 on first
   * use. Production must pass PARLEY_MASTER_KEY (from a secret manager), never a file next to data.
   */
  static fromDataDir(dataDir: string): MasterKey {
    const path = join(dataDir, 'master.key');
    if (!existsSync(path)) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    }
    chmodSync(path, 0o600);
    return MasterKey.parse(readFileSync(path, 'utf8'));
  }

  static random(): MasterKey {
    return new MasterKey(randomBytes(32));
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** `context` (the key id) is bound as associated data: a ciphertext moved to another row fails. */
  decrypt(envelope: string, context: string): string {
    const [version, iv, tag, data] = envelope.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('unknown secret envelope');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}
