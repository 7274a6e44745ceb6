import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tenants } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { type Clock, createLogger } from '@parley/kit';
import { Answerer } from '../../src/analytics/answerer.js';
import type { Caller } from '../../src/conversations/access.js';
import type { AnswerSource, NarrationQueue, ReportQueue } from '../../src/conversations/answering.js';
import { FilesystemFileStore } from '../../src/conversations/files/filesystem-store.js';
import { ATTACHMENT_MEDIA_TYPES } from '../../src/conversations/files/media-types.js';
import { ConversationService } from '../../src/conversations/service.js';
import { ConversationStore } from '../../src/conversations/store.js';
import { seedSales } from '../../src/warehouse/seed.js';

/** 2026-03-15: the seeded sales history ends the day before. */
const NOW = Date.UTC(2026, 2, 15, 10, 0, 0);
const started = performance.now();
/** Real elapsed time from a fixed date: answers resolve "last quarter" stably, latencies are real. */
export const clock: Clock = { now: () => NOW + Math.floor(performance.now() - started) };

export const MAX_BYTES = 4096;

export interface ConversationFixture {
  database: TestDatabase;
  answerer: Answerer;
  store: ConversationStore;
  service: ConversationService;
  attachmentsDir: string;
  files: FilesystemFileStore;
  acme: string;
  globex: string;
  /** Callers with built-in role permissions: two acme guests, an acme analyst and admin, a globex admin. */
  callers: Record<'guest' | 'otherGuest' | 'analyst' | 'admin' | 'globexAdmin', Caller>;
  /** Files under the attachments directory (to check that refused uploads leave nothing). */
  storedFiles(): Promise<string[]>;
  /** The same store and files answered by another source (for failure paths), or with task queues. */
  serviceWith(answerer: AnswerSource, narration?: NarrationQueue, reports?: ReportQueue): ConversationService;
  close(): Promise<void>;
}

const GUEST = ['conversations:read', 'conversations:write', 'sales:query'];
const ANALYST = [...GUEST, 'sales:query_detail', 'reports:generate'];
const ADMIN = [...ANALYST, 'conversations:read_all'];

function caller(tenantId: string, permissions: string[]): Caller {
  return { tenantId, subject: randomUUID(), permissions: new Set(permissions) };
}

/** A migrated database with two tenants (acme has seeded sales), the real Answerer and a file store in a temp dir. */
export async function createConversationFixture(): Promise<ConversationFixture> {
  const database = await createTestDatabase();
  const acme = randomUUID();
  const globex = randomUUID();
  await database.db.insert(tenants).values([
    { id: acme, slug: `acme-${acme.slice(0, 8)}`, name: 'Acme' },
    { id: globex, slug: `globex-${globex.slice(0, 8)}`, name: 'Globex' },
  ]);
  await seedSales(database.db, { tenantId: acme, rows: 2000, clock, seed: 'acme', days: 400 });
  const answerer = new Answerer({ db: database.db, clock });
  const store = new ConversationStore(database.db);
  const attachmentsDir = await mkdtemp(join(tmpdir(), 'parley-attachments-'));
  const files = new FilesystemFileStore(attachmentsDir);
  const logger = createLogger({ level: 'silent' });
  const serviceWith = (source: AnswerSource, narration?: NarrationQueue, reports?: ReportQueue) =>
    new ConversationService({
      store,
      files,
      answerer: source,
      narration,
      reports,
      clock,
      logger,
      attachments: { maxBytes: MAX_BYTES, mediaTypes: ATTACHMENT_MEDIA_TYPES },
    });
  return {
    database,
    answerer,
    store,
    service: serviceWith(answerer),
    attachmentsDir,
    files,
    acme,
    globex,
    callers: {
      guest: caller(acme, GUEST),
      otherGuest: caller(acme, GUEST),
      analyst: caller(acme, ANALYST),
      admin: caller(acme, ADMIN),
      globexAdmin: caller(globex, ADMIN),
    },
    storedFiles: async () =>
      (await readdir(attachmentsDir, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile())
        .map((entry) => entry.name),
    serviceWith,
    async close() {
      await answerer.close();
      await database.close();
      await rm(attachmentsDir, { recursive: true, force: true });
    },
  };
}
