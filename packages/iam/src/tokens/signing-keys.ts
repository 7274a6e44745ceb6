import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Db } from '@parley/db';
import { type Clock, newId } from '@parley/kit';
import { desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { MasterKey } from '../crypto/master-key.js';
import { signingKeys } from '../schema/iam.js';

export const SIGNING_ALG = 'EdDSA';

/** Serialises key creation across processes starting at once. */
const KEY_LOCK = 7_243_158_902;

export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  kid: string;
  alg: string;
  use: 'sig';
}

interface LoadedKey {
  kid: string;
  status: 'active' | 'retired';
  publicKey: KeyObject;
  jwk: PublicJwk;
}

export interface RotationResult {
  kid: string;
  retired: string[];
  revoked: string[];
}

/**
 * The access-token signing keys: Ed25519 pairs in the database, private halves encrypted under
 * the master key. The newest active key signs; retired keys still verify the tokens they signed
 * until those expire; revoked keys are gone from the JWKS and verify nothing.
 */
export class KeyRing {
  private keys = new Map<string, LoadedKey>();
  private signer: { kid: string; privateKey: KeyObject } | undefined;
  private lastReload = 0;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly db: Db,
    private readonly masterKey: MasterKey,
    private readonly clock: Clock,
    /** Retired keys verify for this long after retirement (the access-token lifetime). */
    private readonly retiredGraceMs: number,
  ) {}

  /** Loads the keys, creating the first one if there is none. */
  async start(): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${KEY_LOCK})`);
      const [active] = await tx.select().from(signingKeys).where(eq(signingKeys.status, 'active')).limit(1);
      if (!active) await tx.insert(signingKeys).values(this.newKeyRow());
    });
    await this.reload();
  }

  async reload(): Promise<void> {
    const rows = await this.db
      .select()
      .from(signingKeys)
      .where(ne(signingKeys.status, 'revoked'))
      .orderBy(desc(signingKeys.createdAt));
    const now = this.clock.now();
    const keys = new Map<string, LoadedKey>();
    let signer: typeof this.signer;
    for (const row of rows) {
      if (row.status === 'retired' && row.retiredAt && row.retiredAt.getTime() + this.retiredGraceMs < now)
        continue;
      const jwk = row.publicJwk as PublicJwk;
      keys.set(row.kid, {
        kid: row.kid,
        status: row.status as LoadedKey['status'],
        publicKey: createPublicKey({ key: { ...jwk }, format: 'jwk' }),
        jwk,
      });
      if (!signer && row.status === 'active') {
        let pem: string;
        try {
          pem = this.masterKey.decrypt(row.privateKeyEncrypted, row.kid);
        } catch {
          throw new Error(
            `signing key ${row.kid} cannot be decrypted with this master key; ` +
              'PARLEY_MASTER_KEY (or PARLEY_DATA_DIR/master.key) differs from the one that encrypted it',
          );
        }
        signer = { kid: row.kid, privateKey: createPrivateKey(pem) };
      }
    }
    this.keys = keys;
    this.signer = signer;
    this.lastReload = now;
    for (const listener of this.listeners) listener();
  }

  /** Called after every reload: caches derived from the key set must be dropped. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Reloads at most once per `minIntervalMs`: for a kid this process has not seen yet. */
  async reloadIfStale(minIntervalMs: number): Promise<boolean> {
    if (this.clock.now() - this.lastReload < minIntervalMs) return false;
    await this.reload();
    return true;
  }

  signingKey(): { kid: string; privateKey: KeyObject } {
    if (!this.signer) throw new Error('no active signing key; run `parley iam rotate-keys`');
    return this.signer;
  }

  publicKey(kid: string): KeyObject | undefined {
    return this.keys.get(kid)?.publicKey;
  }

  jwks(): { keys: PublicJwk[] } {
    return { keys: [...this.keys.values()].map((k) => k.jwk) };
  }

  /**
   * A new active key. The previous active keys are retired (they keep verifying their tokens
   * until those expire) or, with `revokeOld`, revoked: every token they signed fails at once.
   */
  async rotate(revokeOld: boolean): Promise<RotationResult> {
    const row = this.newKeyRow();
    const previous = await this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${KEY_LOCK})`);
      const old = await tx
        .select({ kid: signingKeys.kid, status: signingKeys.status })
        .from(signingKeys)
        .where(revokeOld ? ne(signingKeys.status, 'revoked') : eq(signingKeys.status, 'active'));
      const kids = old.map((k) => k.kid);
      if (kids.length > 0) {
        await tx
          .update(signingKeys)
          .set({ status: revokeOld ? 'revoked' : 'retired', retiredAt: new Date(this.clock.now()) })
          .where(inArray(signingKeys.kid, kids));
      }
      await tx.insert(signingKeys).values(row);
      return kids;
    });
    await this.reload();
    return {
      kid: row.kid,
      retired: revokeOld ? [] : previous,
      revoked: revokeOld ? previous : [],
    };
  }

  private newKeyRow(): typeof signingKeys.$inferInsert {
    const kid = newId();
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const exported = publicKey.export({ format: 'jwk' });
    const jwk: PublicJwk = {
      kty: 'OKP',
      crv: 'Ed25519',
      x: String(exported.x),
      kid,
      alg: SIGNING_ALG,
      use: 'sig',
    };
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    return {
      kid,
      alg: SIGNING_ALG,
      publicJwk: jwk,
      privateKeyEncrypted: this.masterKey.encrypt(pem, kid),
      status: 'active',
      createdAt: new Date(this.clock.now()),
    };
  }
}
