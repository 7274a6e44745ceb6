import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAi } from '../../../packages/assistant/test/llm/fake-openai.js';
import { type AssistantApp, openAssistantApp, readEvents } from './assistant-app.js';

let app: AssistantApp;
let t: AssistantApp['t'];
let base: string;
let auth: AssistantApp['auth'];
let fake: FakeOpenAi;

/** The assistant with a language model configured (a local OpenAI-compatible server), as `parley start` runs it. */
beforeAll(async () => {
  fake = await FakeOpenAi.start();
  app = await openAssistantApp('narration-demo-password-1', {
    PARLEY_LLM_BASE_URL: fake.baseURL,
    PARLEY_LLM_MODEL: 'fake-model',
  });
  ({ t, base, auth } = app);
});
afterAll(async () => {
  await app?.t.close();
  await fake?.close();
});

describe('answers narrated by a language model on the llm queue', () => {
  it('answers with the numbers at once, streams the narration as SSE, then completes the message', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: auth.analyst,
      payload: { message: 'What was revenue last quarter?' },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    const answer = body.exchange.answer;
    // Pending with the built-in text, unless the worker was faster than this response.
    if (answer.status === 'pending') expect(answer.content).toMatch(/built-in analyst/);
    else expect(answer.provider).toBe('openai-compatible');
    const taskId = answer.answer.narration.taskId as string;

    const stream = await fetch(`${base}/v1/tasks/${taskId}/events`, { headers: auth.analyst });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(stream);
    expect(events[0]?.event).toMatch(/^(state|completed)$/);
    expect(events.at(-1)).toMatchObject({ event: 'completed', data: { result: { model: 'fake-model' } } });
    // The model was given the computed numbers to narrate.
    expect(JSON.parse(fake.requests.at(-1)!.messages[1]!.content).facts.metric).toBe('revenue');

    const task = await t.app.inject({ url: `/v1/tasks/${taskId}`, headers: auth.analyst });
    expect(task.json()).toMatchObject({ id: taskId, state: 'completed' });
    const conversation = await t.app.inject({
      url: `/v1/conversations/${body.conversation.id}`,
      headers: auth.analyst,
    });
    const last = conversation.json().messages.at(-1);
    expect(last).toMatchObject({ status: 'complete', provider: 'openai-compatible', model: 'fake-model' });
    expect(last.content).toContain('Revenue rose to 300.');
  });

  it('hides a task from everyone but the user who started it', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: auth.analyst,
      payload: { message: 'What was revenue last quarter?' },
    });
    const taskId = created.json().exchange.answer.answer.narration.taskId as string;
    expect((await t.app.inject({ url: `/v1/tasks/${taskId}`, headers: auth.guest })).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/v1/tasks/${taskId}`, headers: auth.guest })).statusCode,
    ).toBe(404);
  });
});
