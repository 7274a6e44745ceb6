import { createLogger } from '@parley/kit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAi } from '../../../packages/assistant/test/llm/fake-openai.js';
import { queueMetrics } from '../src/modules/assistant-metrics.js';
import { type AssistantApp, openAssistantApp } from './assistant-app.js';

let app: AssistantApp;
let t: AssistantApp['t'];
let fake: FakeOpenAi;
let auth: Record<string, string>;

/** A server whose language model is a local fake OpenAI server, with a breaker that probes after 300 ms. */
beforeAll(async () => {
  fake = await FakeOpenAi.start();
  app = await openAssistantApp('breaker-demo-password-1', {
    PARLEY_LLM_BASE_URL: fake.baseURL,
    PARLEY_LLM_MODEL: 'fake-model',
    PARLEY_LLM_BREAKER_HALF_OPEN_AFTER: '300ms',
  });
  t = app.t;
  auth = app.auth.analyst;
});
afterAll(async () => {
  await app?.t.close();
  await fake?.close();
});

/** Asks a question and waits until its narration task has ended. */
async function askAndWait(): Promise<void> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/v1/conversations',
    headers: auth,
    payload: { message: 'What was revenue last quarter?' },
  });
  const taskId = created.json().exchange.answer.answer.narration.taskId as string;
  for (let i = 0; i < 200; i++) {
    const task = (await t.app.inject({ url: `/v1/tasks/${taskId}`, headers: auth })).json();
    if (task.state === 'completed' || task.state === 'failed') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`task ${taskId} did not end`);
}

async function series(): Promise<Record<string, number>> {
  const text = (await t.app.inject({ url: '/metrics' })).body;
  const values: Record<string, number> = {};
  for (const match of text.matchAll(/^(parley_circuit_breaker_\w+\{[^}]*\}) (\S+)$/gm))
    values[match[1]!] = Number(match[2]);
  return values;
}

const STATE = 'parley_circuit_breaker_state{breaker="openai-compatible"}';
const to = (state: string) =>
  `parley_circuit_breaker_transitions_total{breaker="openai-compatible",to="${state}"}`;

describe('circuit breaker metrics', () => {
  it('start closed, with every transition series at 0', async () => {
    expect(await series()).toEqual({ [STATE]: 0, [to('open')]: 0, [to('half-open')]: 0, [to('closed')]: 0 });
  });

  it('open when the model fails, then go half-open and close once it answers again', async () => {
    fake.mode = 'error';
    for (let i = 0; i < 4 && (await series())[STATE] === 0; i++) await askAndWait();
    expect(await series()).toMatchObject({ [STATE]: 1, [to('open')]: 1, [to('closed')]: 0 });
    // While open the model is not called: the built-in analyst answers.
    const calls = fake.requests.length;
    await askAndWait();
    expect(fake.requests.length).toBe(calls);

    fake.mode = 'ok';
    await new Promise((resolve) => setTimeout(resolve, 350));
    await askAndWait(); // the half-open probe succeeds
    expect(await series()).toEqual({ [STATE]: 0, [to('open')]: 1, [to('half-open')]: 1, [to('closed')]: 1 });
    expect(fake.requests.length).toBe(calls + 1);
  });
});

describe('queue job metrics', () => {
  it('are read at scrape time; a queue that does not answer in time drops its series instead of holding the scrape', async () => {
    const registry = new Registry();
    let waiting = 3;
    const hanging = { name: 'reports', counts: () => new Promise<never>(() => {}) };
    const llm = {
      name: 'llm',
      counts: async () => ({ waiting, active: 1, delayed: 0, failed: 2, completed: 5 }),
    };
    queueMetrics(registry, [llm, hanging], createLogger({ level: 'silent' }), 50);
    const started = performance.now();
    let text = await registry.metrics();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(text).toContain('parley_queue_jobs{queue="llm",state="waiting"} 3');
    expect(text).toContain('parley_queue_jobs{queue="llm",state="failed"} 2');
    expect(text).not.toContain('queue="reports"');
    waiting = 7;
    text = await registry.metrics();
    expect(text).toContain('parley_queue_jobs{queue="llm",state="waiting"} 7');
  });

  it('replace the series of a queue set opened again in the same registry', async () => {
    const registry = new Registry();
    const logger = createLogger({ level: 'silent' });
    const counts = (waiting: number) => async () => ({
      waiting,
      active: 0,
      delayed: 0,
      failed: 0,
      completed: 0,
    });
    queueMetrics(registry, [{ name: 'llm', counts: counts(1) }], logger);
    queueMetrics(registry, [{ name: 'llm', counts: counts(9) }], logger);
    expect(await registry.metrics()).toContain('parley_queue_jobs{queue="llm",state="waiting"} 9');
  });
});
