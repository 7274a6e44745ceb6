import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { tenants } from '@parley/db';
import { createLogger, ManualClock } from '@parley/kit';
import { type BenchRow, median } from '@parley/kit/bench';
import { installProblemHandlers, installStrictValidation, type Principal } from '@parley/kit/http';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { type Answer, Answerer } from '../src/analytics/answerer.js';
import { AnswerSchema, AskBody, askRoutes } from '../src/http/ask-routes.js';
import { builtInAnalyst, type NarrationProvider } from '../src/llm/index.js';
import type { AnalysisResult } from '../src/narrative/results.js';
import { NarrationTasks } from '../src/tasks/index.js';
import { seedSales } from '../src/warehouse/seed.js';
import { scratchDatabase } from './scratch.js';

const run = promisify(execFile);

interface LoadFigures {
  count: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
}

const METRICS = ['revenue', 'units sold', 'orders', 'gross margin', 'average order value'];
const DIMENSIONS = ['region', 'channel', 'category', 'segment', 'product'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const body = (question: string) => JSON.stringify({ question });

/** Distinct questions (each a different plan): metric × dimension × month. */
function questions(count: number): string[] {
  const out: string[] = [];
  for (const year of [2025, 2024, 2023])
    for (const month of MONTHS)
      for (const metric of METRICS)
        for (const dimension of DIMENSIONS) out.push(`${metric} by ${dimension} in ${month} ${year}`);
  return out.slice(0, count);
}

async function load(
  url: string,
  bodies: string[],
  options: { once?: boolean; durationMs?: number },
): Promise<LoadFigures> {
  const script = new URL('./load-client.ts', import.meta.url).pathname;
  const plan = { url, headers: { 'content-type': 'application/json' }, bodies, concurrency: 8, ...options };
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, JSON.stringify(plan)], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as LoadFigures;
}

/** The route on a Fastify app with the platform's validation and problem handlers and a fixed caller. */
async function serve(
  answerer: Answerer,
  principal: Principal,
  bare?: Map<string, Answer>,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  installStrictValidation(app);
  installProblemHandlers(app);
  app.addHook('onRequest', async (request) => {
    request.principal = principal;
  });
  await app.register(askRoutes(answerer));
  if (bare) {
    const schema = { body: AskBody, response: { 200: AnswerSchema } };
    app.post('/bare', { schema }, async (request) =>
      bare.get((request.body as { question: string }).question),
    );
  }
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: `${base}/v1/ask` };
}

/** A provider as slow as a loaded LLM: it answers after `ms`, or stops when its task is cancelled. */
function slowModel(ms: number): NarrationProvider {
  return {
    name: 'slow-llm',
    model: 'slow-llm',
    narrate: (_request, options = {}) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => resolve({ text: 'late', provider: 'slow-llm', model: 'slow-llm', label: '' }),
          ms,
        );
        options.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('cancelled'));
        });
      }),
  };
}

const SAMPLE: AnalysisResult = {
  metric: 'revenue',
  range: { start: '2025-10-01', end: '2026-01-01' },
  grain: 'quarter',
  total: 1_234_567,
  comparison: {
    kind: 'previous_period',
    range: { start: '2025-07-01', end: '2025-10-01' },
    total: 1_100_000,
  },
};

/** Narrations per second through the llm queue (built-in analyst, so the queue's own cost). */
export async function queueRate(redis: Redis, prefix: string, jobs: number): Promise<number> {
  let done = 0;
  let finished: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const tasks = await NarrationTasks.open({
    redis,
    prefix: `${prefix}:rate:`,
    narrator: builtInAnalyst,
    logger: createLogger({ level: 'silent' }),
    concurrency: 16,
    maxWaiting: jobs + 1,
    attempts: 1,
    jobTimeoutMs: 60_000,
    onNarrated: async () => {
      if (++done === jobs) finished();
    },
  });
  try {
    const started = performance.now();
    for (let i = 0; i < jobs; i++)
      await tasks.submit({ tenantId: 'bench', subject: 'bench', request: { question: 'q', result: SAMPLE } });
    await all;
    return jobs / ((performance.now() - started) / 1000);
  } finally {
    await tasks.close();
  }
}

/**
 * The sales fast path over HTTP on PostgreSQL and Redis: a seeded warehouse (seed rate), then the
 * same questions cold (every plan computed), warm in Redis only (another process's answers) and
 * warm in memory, against a bare route with the same body schema, validation and serialisation that
 * answers each question with its answer from a map, all on one server process and in one run.
 */
export async function fastPathBench(quick: boolean, log: (line: string) => void): Promise<BenchRow[]> {
  const { database, drop } = await scratchDatabase('assistant');
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const prefix = `parley:bench:${randomUUID()}`;
  const opened: { close(): Promise<unknown> }[] = [];
  try {
    await database.migrate();
    const tenantId = randomUUID();
    await database.db.insert(tenants).values({ id: tenantId, slug: 'bench', name: 'Bench' });
    const clock = new ManualClock(Date.UTC(2026, 0, 15));
    const rows = quick ? 200_000 : 1_000_000;
    const seed = await seedSales(database.db, { tenantId, rows, clock });
    log(`seeded ${rows} order lines in ${(seed.ms / 1000).toFixed(1)} s`);

    const principal: Principal = {
      tenantId,
      subject: 'bench',
      kind: 'user',
      roles: ['analyst'],
      permissions: new Set(['sales:query', 'sales:query_detail']),
    };
    const answerer = new Answerer({ db: database.db, redis, clock, cache: { prefix } });
    // A second process's view: nothing in memory, so every answer comes from Redis.
    const redisOnly = new Answerer({ db: database.db, redis, clock, cache: { prefix, l1Entries: 0 } });
    opened.push(answerer, redisOnly);
    // The bare route answers each question with its answer looked up in a map (filled after the
    // cold pass): the same validation and payload, none of the fast path's work.
    const answers = new Map<string, Answer>();
    const main = await serve(answerer, principal, answers);
    const second = await serve(redisOnly, principal);
    opened.push(main.app, second.app);
    // Loads the gazetteer, so the cold pass measures answers rather than the first one's set-up.
    await answerer.answer({ tenantId, permissions: principal.permissions, question: 'revenue this year' });
    // Rounds, each with new questions for the cold pass, then the warm passes and the bare route
    // in a rotating order; the figures are medians over rounds (the machine's load drifts).
    const rounds = quick ? 2 : 3;
    const perRound = quick ? 150 : 300;
    const all = questions(rounds * perRound);
    const durationMs = quick ? 3000 : 6000;
    const runs: Record<'cold' | 'warmRedis' | 'warm' | 'bare', LoadFigures[]> = {
      cold: [],
      warmRedis: [],
      warm: [],
      bare: [],
    };
    for (let round = 0; round < rounds; round++) {
      const fresh = all.slice(round * perRound, (round + 1) * perRound);
      runs.cold.push(await load(main.url, fresh.map(body), { once: true }));
      for (const question of fresh)
        answers.set(
          question,
          await answerer.answer({ tenantId, permissions: principal.permissions, question }),
        );
      const bodies = all.slice(0, (round + 1) * perRound).map(body);
      const passes = [
        async () => runs.warmRedis.push(await load(second.url, bodies, { durationMs })),
        async () => runs.warm.push(await load(main.url, bodies, { durationMs })),
        async () => runs.bare.push(await load(main.url.replace('/v1/ask', '/bare'), bodies, { durationMs })),
      ];
      for (let k = 0; k < passes.length; k++) await passes[(k + round) % passes.length]!();
      log(
        `round ${round + 1}: cold p95 ${runs.cold[round]!.p95.toFixed(0)} ms, warm ${runs.warm[round]!.rps.toFixed(0)} req/s, bare ${runs.bare[round]!.rps.toFixed(0)} req/s`,
      );
    }
    // Head of line: the warm pass again while the llm queue is saturated with narrations that take
    // 30 s each (workers busy, hundreds waiting). The queue must not slow the fast path.
    const slow = await NarrationTasks.open({
      redis,
      prefix: `${prefix}:hol:`,
      narrator: slowModel(30_000),
      logger: createLogger({ level: 'silent' }),
      concurrency: 16,
      maxWaiting: 10_000,
      attempts: 1,
      jobTimeoutMs: 60_000,
    });
    const saturating: string[] = [];
    for (let i = 0; i < 300; i++) {
      const submission = await slow.submit({
        tenantId,
        subject: 'bench',
        request: { question: 'q', result: SAMPLE },
      });
      if (submission.accepted) saturating.push(submission.id);
    }
    const busy = await load(main.url, all.map(body), { durationMs });
    for (const id of saturating) await slow.cancel(tenantId, 'bench', id);
    await slow.close();
    log(`llm queue saturated (300 narrations of 30 s): warm p95 ${busy.p95.toFixed(1)} ms`);
    const jobs = quick ? 500 : 2000;
    const jobRate = await queueRate(redis, prefix, jobs);
    log(`llm queue: ${jobs} built-in narrations at ${jobRate.toFixed(0)} jobs/s`);
    const errors = [...Object.values(runs).flat(), busy].reduce((n, r) => n + r.errors, 0);
    if (errors > 0) throw new Error(`${errors} requests failed`);
    const med = (list: LoadFigures[], key: 'p95' | 'rps') => median(list.map((r) => r[key]));
    const cold = { p95: med(runs.cold, 'p95'), rps: med(runs.cold, 'rps') };
    const warmRedis = { p95: med(runs.warmRedis, 'p95'), rps: med(runs.warmRedis, 'rps') };
    const warm = { p95: med(runs.warm, 'p95'), rps: med(runs.warm, 'rps') };
    const bare = { p95: med(runs.bare, 'p95'), rps: med(runs.bare, 'rps') };
    const peer = (value: number) => ({ name: 'bare route', value });
    return [
      {
        name: `seed ${rows.toLocaleString('en-US')} order lines`,
        value: rows / (seed.ms / 1000),
        unit: 'rows/s',
        better: 'higher',
        note: `${(seed.ms / 1000).toFixed(1)} s; goal 1M in 60 s`,
        goal: { value: 1_000_000 / 60 },
      },
      {
        name: 'ask cold p95',
        value: cold.p95,
        unit: 'ms',
        better: 'lower',
        peer: peer(bare.p95),
        goal: { value: 500 },
      },
      { name: 'ask cold throughput', value: cold.rps, unit: 'req/s', better: 'higher', peer: peer(bare.rps) },
      {
        name: 'ask warm (Redis) p95',
        value: warmRedis.p95,
        unit: 'ms',
        better: 'lower',
        peer: peer(bare.p95),
      },
      {
        name: 'ask warm (Redis) throughput',
        value: warmRedis.rps,
        unit: 'req/s',
        better: 'higher',
        peer: peer(bare.rps),
      },
      { name: 'ask warm (memory) p95', value: warm.p95, unit: 'ms', better: 'lower', peer: peer(bare.p95) },
      {
        name: 'ask warm (memory) throughput',
        value: warm.rps,
        unit: 'req/s',
        better: 'higher',
        peer: peer(bare.rps),
      },
      {
        name: 'ask warm p95, llm queue saturated',
        value: busy.p95,
        unit: 'ms',
        better: 'lower',
        peer: { name: 'llm queue idle', value: warm.p95 },
        note: 'goal: at most 1.2x idle',
      },
      { name: 'llm queue narrations', value: jobRate, unit: 'jobs/s', better: 'higher' },
    ];
  } finally {
    for (const o of opened.reverse()) await o.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await drop();
  }
}
