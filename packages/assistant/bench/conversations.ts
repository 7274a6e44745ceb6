import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tenants } from '@parley/db';
import { createTestDatabase } from '@parley/db/testing';
import { createLogger, systemClock } from '@parley/kit';
import { type BenchRow, summarize } from '@parley/kit/bench';
import { Answerer } from '../src/analytics/answerer.js';
import { FilesystemFileStore } from '../src/conversations/files/filesystem-store.js';
import { ATTACHMENT_MEDIA_TYPES } from '../src/conversations/files/media-types.js';
import { ConversationService } from '../src/conversations/service.js';
import { ConversationStore } from '../src/conversations/store.js';

const WORDS = [
  'revenue',
  'units',
  'margin',
  'orders',
  'region',
  'channel',
  'segment',
  'growth',
  'quarter',
  'trend',
];

/** p50 and p95 of `calls` sequential runs of `fn` after five unmeasured ones, in milliseconds. */
async function latency(calls: number, fn: (i: number) => Promise<unknown>, warmup = 5) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = process.hrtime.bigint();
    await fn(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const summary = summarize(samples);
  return { p50: summary.p50, p95: summary.p95 };
}

/**
 * The conversation service on PGlite (or the PostgreSQL at DATABASE_URL): one long conversation
 * (exchanges plus edited branches) and many short ones of one owner, then the calls a chat UI makes.
 * Questions go to the real Answerer on an empty warehouse, so the figures are the conversation
 * layer's own cost (transactions, tree walk, FTS), not the sales queries'.
 */
export async function conversationsBench(quick: boolean, log: (line: string) => void): Promise<BenchRow[]> {
  const exchanges = quick ? 60 : 300;
  const others = quick ? 200 : 2000;
  const database = await createTestDatabase();
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-attachments-'));
  const answerer = new Answerer({ db: database.db });
  try {
    const tenantId = randomUUID();
    await database.db
      .insert(tenants)
      .values({ id: tenantId, slug: `bench-${tenantId.slice(0, 8)}`, name: 'Bench' });
    const service = new ConversationService({
      store: new ConversationStore(database.db),
      files: new FilesystemFileStore(dir),
      answerer,
      clock: systemClock,
      logger: createLogger({ level: 'silent' }),
      attachments: { maxBytes: 1 << 20, mediaTypes: ATTACHMENT_MEDIA_TYPES },
    });
    const caller = {
      tenantId,
      subject: randomUUID(),
      permissions: new Set(['conversations:read', 'conversations:write']),
    };
    const { conversation, exchange } = await service.create(caller, {
      message: 'revenue by region last quarter',
    });
    const id = conversation.id;
    const post = await latency(
      exchanges,
      (i) =>
        service.post(caller, id, { content: `${WORDS[i % 10]} by ${WORDS[(i * 7) % 10]} question ${i}` }),
      0, // every post grows the conversation; the counts in the row names assume no extra ones
    );
    for (let i = 0; i < 10; i++)
      await service.edit(caller, id, exchange!.question!.id, { content: `branch ${i}` });
    await service.switchBranch(caller, id, exchange!.question!.id);
    for (let i = 0; i < others; i++)
      await service.create(caller, { title: `${WORDS[i % 10]} ${WORDS[(i * 3) % 10]} review ${i}` });
    log(
      `conversations: ${exchanges} exchanges + 10 branches in one conversation, ${others} more conversations (${database.kind})`,
    );
    const reads = quick ? 50 : 300;
    const path = await latency(reads, () => service.get(caller, id, 'path'));
    const tree = await latency(reads, () => service.get(caller, id, 'tree'));
    const list = await latency(reads, () =>
      service.list(caller, { scope: 'mine', archived: false, limit: 20 }),
    );
    const search = await latency(reads, (i) =>
      service.search(caller, `${WORDS[i % 10]} ${WORDS[(i * 3) % 10]}`, 20),
    );
    const row = (name: string, value: number): BenchRow => ({ name, value, unit: 'ms', better: 'lower' });
    return [
      row('post question + answer p50', post.p50),
      row('post question + answer p95', post.p95),
      row(`active path (${exchanges * 2 + 2} msgs) p95`, path.p95),
      row(`whole tree (${exchanges * 2 + 22} msgs) p95`, tree.p95),
      row('list page of 20 p95', list.p95),
      row(`search over ${others + 1} conversations p95`, search.p95),
    ];
  } finally {
    await answerer.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}
