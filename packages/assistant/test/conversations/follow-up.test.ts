import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryPlan } from '../../src/semantic/plan.js';
import { type ConversationFixture, createConversationFixture } from './fixtures.js';

const planOf = (answer: { answer: Record<string, unknown> | null }) => answer.answer!.plan as QueryPlan;

describe('follow-up questions in a conversation', () => {
  let f: ConversationFixture;
  beforeAll(async () => {
    f = await createConversationFixture();
  });
  afterAll(async () => {
    await f.close();
  });

  it('"and by region?" breaks the previous question down; "what about last year?" moves its range', async () => {
    const caller = f.callers.analyst;
    const { conversation, exchange } = await f.service.create(caller, {
      message: 'What was revenue last quarter?',
    });
    expect(planOf(exchange!.answer)).toMatchObject({ dimensions: [], metrics: [{ name: 'revenue' }] });

    const byRegion = await f.service.post(caller, conversation.id, { content: 'and by region?' });
    expect(byRegion.answer).toMatchObject({
      status: 'complete',
      intent: 'breakdown',
      answer: { kind: 'answer', followUpOf: 'What was revenue last quarter?' },
    });
    expect(planOf(byRegion.answer)).toMatchObject({
      metrics: [{ name: 'revenue' }],
      dimensions: ['region'],
      timeRange: { start: '2025-10-01', end: '2026-01-01' },
    });
    // The same numbers as the question asked in full.
    const direct = await f.answerer.answer({
      tenantId: caller.tenantId,
      permissions: caller.permissions,
      question: 'revenue by region last quarter',
      now: Date.UTC(2026, 2, 15),
    });
    expect(byRegion.answer.answer!.table).toEqual(direct.table);

    const lastYear = await f.service.post(caller, conversation.id, { content: 'what about last year?' });
    expect(planOf(lastYear.answer)).toMatchObject({
      metrics: [{ name: 'revenue' }],
      dimensions: ['region'],
      timeRange: { start: '2025-01-01', end: '2026-01-01' },
    });
  });

  it('follows the branch it is asked on: an edited first question changes what the follow-up continues', async () => {
    const caller = f.callers.analyst;
    const { conversation, exchange } = await f.service.create(caller, { message: 'revenue last quarter' });
    await f.service.post(caller, conversation.id, { content: 'and by channel' });
    const edited = await f.service.edit(caller, conversation.id, exchange!.question!.id, {
      content: 'how many units did we sell this year?',
    });
    const followUp = await f.service.post(caller, conversation.id, {
      content: 'and by channel',
      parentId: edited.answer.id,
    });
    expect(planOf(followUp.answer)).toMatchObject({
      metrics: [{ name: 'units' }],
      dimensions: ['channel'],
      timeRange: { start: '2026-01-01' },
    });
  });

  it('starts afresh with a full question, and without an earlier sales question', async () => {
    const caller = f.callers.analyst;
    const { conversation } = await f.service.create(caller, { message: 'units by segment this year' });
    const fresh = await f.service.post(caller, conversation.id, { content: 'revenue by channel in Q3 2025' });
    expect(fresh.answer.answer).not.toHaveProperty('followUpOf');
    expect(planOf(fresh.answer)).toMatchObject({ metrics: [{ name: 'revenue' }], dimensions: ['channel'] });

    const alone = await f.service.create(caller, { message: 'and by region?' });
    expect(alone.exchange!.answer.answer).not.toHaveProperty('followUpOf');
  });

  it('treats an opener that names nothing the semantic layer knows as a new question', async () => {
    const caller = f.callers.analyst;
    const { conversation } = await f.service.create(caller, { message: 'revenue last quarter' });
    const off = await f.service.post(caller, conversation.id, { content: 'and what is the weather like?' });
    expect(off.answer.answer).not.toHaveProperty('followUpOf');
  });

  it('still checks permissions: a guest cannot reach customer detail through a follow-up', async () => {
    const caller = f.callers.guest;
    const { conversation } = await f.service.create(caller, { message: 'revenue last quarter' });
    const denied = await f.service.post(caller, conversation.id, { content: 'and by customer?' });
    expect(denied.answer.answer).toMatchObject({
      kind: 'denied',
      missingPermissions: ['sales:query_detail'],
    });
  });
});
