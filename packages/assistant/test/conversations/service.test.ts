import { Readable } from 'node:stream';
import { ProblemError } from '@parley/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationService } from '../../src/conversations/service.js';
import { type ConversationFixture, createConversationFixture } from './fixtures.js';

let f: ConversationFixture;
let service: ConversationService;

beforeAll(async () => {
  f = await createConversationFixture();
  service = f.service;
});
afterAll(async () => {
  await f?.close();
});

/** The problem a call fails with (status and type), or a failed expectation when it succeeds. */
async function problemOf(work: Promise<unknown>): Promise<{ status: number; type: string; detail: string }> {
  try {
    await work;
  } catch (error) {
    if (error instanceof ProblemError)
      return { status: error.status, type: error.kind, detail: error.message };
    throw error;
  }
  throw new Error('expected a problem, the call succeeded');
}

describe('asking and answering', () => {
  it('starts a conversation with a question, titled after it, answered by the assistant', async () => {
    const { conversation, exchange } = await service.create(f.callers.analyst, {
      message: 'What was revenue by region last quarter?',
    });
    expect(conversation.title).toBe('What was revenue by region last quarter?');
    expect(conversation.ownerId).toBe(f.callers.analyst.subject);
    expect(exchange!.question).toMatchObject({ role: 'user', status: 'complete', parentId: null });
    const answer = exchange!.answer;
    expect(answer).toMatchObject({
      role: 'assistant',
      status: 'complete',
      parentId: exchange!.question!.id,
      classifierVersion: 'v2',
      provider: 'parley-builtin',
    });
    // Exactly what the assistant answers to that question, stored as the answer.
    const direct = await f.answerer.answer({
      tenantId: f.acme,
      permissions: f.callers.analyst.permissions,
      question: 'What was revenue by region last quarter?',
    });
    expect(answer.content).toBe(direct.text);
    expect(answer.intent).toBe(direct.intent);
    expect(answer.content).toMatch(/revenue/i);
    expect(answer.latencyMs).toBeGreaterThanOrEqual(0);
    expect(answer.answer).toMatchObject({ kind: 'answer' });
    expect((answer.answer as { table?: unknown }).table).toBeDefined();
    expect(conversation.activeLeafId).toBe(answer.id);
  });

  it('stores a refusal as the answer when the caller lacks the permission', async () => {
    const { exchange } = await service.create(f.callers.guest, {
      message: 'revenue by customer last quarter',
    });
    expect(exchange!.answer.status).toBe('complete');
    expect(exchange!.answer.answer).toMatchObject({ kind: 'denied' });
  });

  it('marks the answer failed, in plain words, when answering throws', async () => {
    const broken = f.serviceWith({
      answer: async () => {
        throw new Error('connection reset by warehouse at 10.0.0.7');
      },
    });
    const { conversation, exchange } = await broken.create(f.callers.guest, {
      message: 'revenue last month',
    });
    expect(exchange!.answer).toMatchObject({
      status: 'failed',
      content: '',
      error: 'The assistant could not answer this question; try again',
    });
    const reread = await service.get(f.callers.guest, conversation.id, 'path');
    expect(reread.messages.map((m) => m.status)).toEqual(['complete', 'failed']);
    // A failed answer can be regenerated, and then the working assistant answers.
    const again = await service.regenerate(f.callers.guest, conversation.id, exchange!.answer.id);
    expect(again.answer.status).toBe('complete');
  });
});

describe('the message tree', () => {
  it('keeps edits and regenerations as siblings and returns the active path or the whole tree', async () => {
    const caller = f.callers.analyst;
    const { conversation, exchange } = await service.create(caller, { message: 'revenue last quarter' });
    const id = conversation.id;
    const first = exchange!;
    const second = await service.post(caller, id, { content: 'and units by channel?' });
    expect(second.question!.parentId).toBe(first.answer.id);

    let path = await service.get(caller, id, 'path');
    expect(path.messages.map((m) => m.id)).toEqual([
      first.question!.id,
      first.answer.id,
      second.question!.id,
      second.answer.id,
    ]);
    expect(path.messages.every((m) => m.siblingIds?.length === 1)).toBe(true);

    // Editing the first question: a new root beside the original, answered afresh.
    const edited = await service.edit(caller, id, first.question!.id, { content: 'revenue last year' });
    expect(edited.question!.parentId).toBeNull();
    path = await service.get(caller, id, 'path');
    expect(path.messages.map((m) => m.id)).toEqual([edited.question!.id, edited.answer.id]);
    expect(path.messages[0]!.siblingIds).toEqual([first.question!.id, edited.question!.id]);

    // Regenerating the new answer: a sibling answer under the same question.
    const regenerated = await service.regenerate(caller, id, edited.answer.id);
    expect(regenerated.answer.parentId).toBe(edited.question!.id);
    expect(regenerated.question!.id).toBe(edited.question!.id);
    path = await service.get(caller, id, 'path');
    expect(path.messages.at(-1)!.siblingIds).toEqual([edited.answer.id, regenerated.answer.id]);

    const tree = await service.get(caller, id, 'tree');
    expect(tree.messages).toHaveLength(7);
    expect(tree.messages.every((m) => m.siblingIds === undefined)).toBe(true);

    // Switching back to the original first question shows its newest continuation.
    const switched = await service.switchBranch(caller, id, first.question!.id);
    expect(switched.conversation.activeLeafId).toBe(second.answer.id);
    expect(switched.messages).toHaveLength(4);
  });

  it('refuses a question under a question, unknown parents and editing an answer', async () => {
    const caller = f.callers.guest;
    const { conversation, exchange } = await service.create(caller, { message: 'units last week' });
    const id = conversation.id;
    expect(
      await problemOf(service.post(caller, id, { content: 'x', parentId: exchange!.question!.id })),
    ).toMatchObject({ status: 409 });
    expect(
      await problemOf(
        service.post(caller, id, { content: 'x', parentId: '01900000-0000-7000-8000-000000000000' }),
      ),
    ).toMatchObject({ status: 404 });
    expect(await problemOf(service.edit(caller, id, exchange!.answer.id, { content: 'x' }))).toMatchObject({
      status: 409,
    });
    expect(await problemOf(service.regenerate(caller, id, exchange!.question!.id))).toMatchObject({
      status: 409,
    });
  });
});

describe('bad input', () => {
  it('refuses empty, blank, oversized and NUL-bearing text with a validation problem', async () => {
    const caller = f.callers.guest;
    const { conversation } = await service.create(caller, {});
    expect(conversation.title).toBe('New conversation');
    for (const content of ['', '   \n\t', 'x'.repeat(8001), 'revenue\u0000 by region']) {
      expect(await problemOf(service.post(caller, conversation.id, { content }))).toMatchObject({
        status: 400,
        type: 'validation',
      });
    }
    expect(await problemOf(service.create(caller, { title: '  ' }))).toMatchObject({ status: 400 });
    expect(await problemOf(service.create(caller, { metadata: { note: 'a\u0000b' } }))).toMatchObject({
      status: 400,
    });
    expect(await problemOf(service.create(caller, { metadata: { big: 'x'.repeat(9000) } }))).toMatchObject({
      status: 400,
    });
    // Nothing half-written: the conversation is still empty.
    expect((await service.get(caller, conversation.id, 'tree')).messages).toEqual([]);
  });

  it('stores emoji, lone surrogates and right-to-left text without failing', async () => {
    const text = 'revenue 📈 \ud800 by region \u202e gnimoc';
    const { exchange } = await service.create(f.callers.guest, { message: text });
    expect(exchange!.question!.content).toBe(text.replace('\ud800', '\ufffd'));
    expect(exchange!.answer.status).toBe('complete');
  });
});

describe('ownership and tenants', () => {
  let id: string;
  beforeAll(async () => {
    id = (await service.create(f.callers.guest, { title: 'mine', message: 'revenue yesterday' })).conversation
      .id;
  });

  it('hides a conversation from another guest of the tenant behind a 404', async () => {
    const attempts = [
      () => service.get(f.callers.otherGuest, id, 'path'),
      () => service.post(f.callers.otherGuest, id, { content: 'hello' }),
      () => service.update(f.callers.otherGuest, id, { archived: true }),
      () => service.listAttachments(f.callers.otherGuest, id),
    ];
    for (const attempt of attempts)
      expect(await problemOf(attempt())).toMatchObject({ status: 404, detail: 'No such conversation' });
  });

  it("lets an admin read, not change, another user's conversation, and says how it was reached", async () => {
    const read = await service.get(f.callers.admin, id, 'path');
    expect(read.access).toBe('tenant-reader');
    expect(read.messages).toHaveLength(2);
    expect(await problemOf(service.post(f.callers.admin, id, { content: 'hello' }))).toMatchObject({
      status: 403,
    });
    expect((await service.get(f.callers.guest, id, 'path')).access).toBe('owner');
  });

  it("answers 404 for another tenant's conversation, even to its admin", async () => {
    expect(await problemOf(service.get(f.callers.globexAdmin, id, 'tree'))).toMatchObject({ status: 404 });
    expect(await f.store.findConversation(f.globex, id)).toBeUndefined();
  });

  it("lists the tenant's conversations only with conversations:read_all", async () => {
    expect(
      await problemOf(service.list(f.callers.guest, { scope: 'tenant', archived: false, limit: 5 })),
    ).toMatchObject({ status: 403 });
    const all = await service.list(f.callers.admin, { scope: 'tenant', archived: false, limit: 100 });
    const owners = new Set(all.conversations.map((c) => c.ownerId));
    expect(owners.has(f.callers.guest.subject) && owners.has(f.callers.analyst.subject)).toBe(true);
    const other = await service.list(f.callers.globexAdmin, { scope: 'tenant', archived: false, limit: 100 });
    expect(other.conversations).toEqual([]);
  });
});

describe('listing', () => {
  it('pages newest first with a cursor, without gaps or repeats, and keeps archived apart', async () => {
    const caller = { ...f.callers.analyst, subject: crypto.randomUUID() };
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await service.create(caller, { title: `c${i}` })).conversation.id);
    await service.update(caller, made[1]!, { archived: true, title: 'renamed' });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.list(caller, { scope: 'mine', archived: false, limit: 2, cursor });
      expect(page.conversations.length).toBeLessThanOrEqual(2);
      seen.push(...page.conversations.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([made[4], made[3], made[2], made[0]]);
    const archived = await service.list(caller, { scope: 'mine', archived: true, limit: 10 });
    expect(archived.conversations.map((c) => [c.id, c.title])).toEqual([[made[1], 'renamed']]);
  });

  it('refuses a cursor it did not issue', async () => {
    for (const cursor of ['nonsense', Buffer.from('["x","y"]').toString('base64url'), '']) {
      expect(
        await problemOf(service.list(f.callers.guest, { scope: 'mine', archived: false, limit: 2, cursor })),
      ).toMatchObject({ status: 400 });
    }
  });
});

describe('full-text search', () => {
  it("finds the caller's own conversations by stemmed words in any branch, never another user's", async () => {
    const mine = f.callers.analyst;
    const { conversation } = await service.create(mine, { title: 'Quarterly planning' });
    await service.post(mine, conversation.id, { content: 'Which regions grew their margins fastest?' });
    const theirs = await service.create(f.callers.otherGuest, {
      message: 'Which regions grew their margins?',
    });

    const hits = await service.search(mine, 'region margin', 10);
    expect(hits.map((hit) => hit.conversation.id)).toContain(conversation.id);
    expect(hits.map((hit) => hit.conversation.id)).not.toContain(theirs.conversation.id);
    const hit = hits.find((h) => h.conversation.id === conversation.id)!;
    expect(hit.messageId).not.toBeNull();
    expect(hit.snippet).toContain('**regions**');

    expect((await service.search(mine, 'quarterly', 10)).map((h) => h.conversation.id)).toContain(
      conversation.id,
    );
    expect(await service.search(mine, 'zebra unicorn', 10)).toEqual([]);
    // websearch syntax never fails on odd input
    expect(await service.search(mine, '"unbalanced & | ! (( -', 10)).toBeInstanceOf(Array);
    expect(await problemOf(service.search(mine, '  ', 10))).toMatchObject({ status: 400 });
  });
});

describe('attachments', () => {
  const csv = 'region,revenue\nNorth,100\nSüd,200\n';

  it('stores an upload with its checksum, links it to a question and serves the same bytes', async () => {
    const caller = f.callers.analyst;
    const { conversation } = await service.create(caller, {});
    const attachment = await service.upload(caller, conversation.id, {
      filename: '../../etc/passwd\u0007 report.csv',
      mediaType: 'text/csv; charset=utf-8',
      content: Readable.from([Buffer.from(csv)]),
    });
    expect(attachment).toMatchObject({
      filename: 'passwd report.csv',
      mediaType: 'text/csv',
      sizeBytes: Buffer.byteLength(csv),
      messageId: null,
    });
    const { createHash } = await import('node:crypto');
    expect(attachment.sha256).toBe(createHash('sha256').update(csv).digest('hex'));

    const sent = await service.post(caller, conversation.id, {
      content: 'summarise this',
      attachmentIds: [attachment.id],
    });
    expect(sent.question!.attachments.map((a) => a.id)).toEqual([attachment.id]);
    // An attachment goes with one message only.
    expect(
      await problemOf(
        service.post(caller, conversation.id, { content: 'again', attachmentIds: [attachment.id] }),
      ),
    ).toMatchObject({ status: 400 });

    const download = await service.download(caller, conversation.id, attachment.id);
    const chunks: Buffer[] = [];
    for await (const chunk of download.content) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(csv);
    expect((await service.download(f.callers.admin, conversation.id, attachment.id)).access).toBe(
      'tenant-reader',
    );
    expect(await problemOf(service.download(f.callers.guest, conversation.id, attachment.id))).toMatchObject({
      status: 404,
    });
  });

  it('refuses disallowed types, content that is not its type and oversized files, leaving no file behind', async () => {
    const caller = f.callers.guest;
    const { conversation } = await service.create(caller, {});
    const before = await f.storedFiles();
    const upload = (mediaType: string, bytes: Buffer) =>
      problemOf(
        service.upload(caller, conversation.id, {
          filename: 'x',
          mediaType,
          content: Readable.from([bytes]),
        }),
      );
    expect(await upload('text/html', Buffer.from('<script>alert(1)</script>'))).toMatchObject({
      status: 415,
    });
    expect(await upload('application/x-msdownload', Buffer.from('MZ\u0090'))).toMatchObject({ status: 415 });
    expect(await upload('image/png', Buffer.from('GIF89a not a png'))).toMatchObject({ status: 415 });
    expect(await upload('text/plain', Buffer.from([0x68, 0x00, 0x69]))).toMatchObject({ status: 415 });
    expect(await upload('text/plain', Buffer.from([0xc3, 0x28]))).toMatchObject({ status: 415 });
    expect(await upload('text/plain', Buffer.alloc(5000, 0x61))).toMatchObject({ status: 413 });
    expect(await f.storedFiles()).toEqual(before);
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(32),
    ]);
    await service.upload(caller, conversation.id, {
      filename: 'p.png',
      mediaType: 'image/png',
      content: Readable.from([png]),
    });
    expect((await f.storedFiles()).length).toBe(before.length + 1);
  });

  it('refuses linking an attachment of another conversation', async () => {
    const caller = f.callers.guest;
    const a = (await service.create(caller, {})).conversation.id;
    const b = (await service.create(caller, {})).conversation.id;
    const attachment = await service.upload(caller, a, {
      filename: 'n.txt',
      mediaType: 'text/plain',
      content: Readable.from([Buffer.from('note')]),
    });
    expect(
      await problemOf(service.post(caller, b, { content: 'hi', attachmentIds: [attachment.id] })),
    ).toMatchObject({
      status: 400,
    });
    expect(await problemOf(service.download(caller, b, attachment.id))).toMatchObject({ status: 404 });
  });
});
