import type { Principal } from '@parley/kit/http';
import { installProblemHandlers, installStrictValidation, requireDeclaredAccess } from '@parley/kit/http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/conversations/access.js';
import { conversationPlugin } from '../../src/http/index.js';
import { type ConversationFixture, createConversationFixture, MAX_BYTES } from './fixtures.js';

let f: ConversationFixture;
let app: FastifyInstance;
let base: string;

/**
 * The routes on a real Fastify server with the platform's validation and problem handlers. The
 * IAM pipeline is replaced by a hook that takes the caller from `authorization: Bearer <name>`:
 * authentication and permissions are the IAM's (tested in the server's access matrix), while
 * ownership, tenancy and bad input are these routes' and are tested here.
 */
beforeAll(async () => {
  f = await createConversationFixture();
  app = Fastify();
  installStrictValidation(app);
  installProblemHandlers(app);
  requireDeclaredAccess(app);
  app.addHook('onRequest', async (request) => {
    const name = request.headers.authorization?.replace('Bearer ', '') as keyof typeof f.callers | undefined;
    const caller: Caller | undefined = name ? f.callers[name] : undefined;
    if (caller) request.principal = { ...caller, kind: 'user', roles: [] } satisfies Principal;
  });
  await app.register(conversationPlugin(f.service, { maxAttachmentBytes: MAX_BYTES }));
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await f?.close();
});

const as = (who: keyof ConversationFixture['callers']) => ({ authorization: `Bearer ${who}` });

async function call(who: keyof ConversationFixture['callers'], method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...as(who), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    json: text ? JSON.parse(text) : null,
  };
}

function upload(
  who: keyof ConversationFixture['callers'],
  id: string,
  form: FormData | string,
  type?: string,
) {
  return fetch(`${base}/v1/conversations/${id}/attachments`, {
    method: 'POST',
    headers: { ...as(who), ...(type ? { 'content-type': type } : {}) },
    body: form,
  });
}

describe('conversation routes', () => {
  let id: string;

  it('creates a conversation with its first question answered', async () => {
    const created = await call('guest', 'POST', '/v1/conversations', {
      message: 'units by channel last month',
    });
    expect(created.status).toBe(201);
    expect(created.json.exchange.answer).toMatchObject({ role: 'assistant', status: 'complete' });
    id = created.json.conversation.id;
    const read = await call('guest', 'GET', `/v1/conversations/${id}`);
    expect(read.status).toBe(200);
    expect(read.json.messages).toHaveLength(2);
    expect(read.json).not.toHaveProperty('access');
  });

  it('answers bad messages with 400 problem+json and stores nothing', async () => {
    const cases: [unknown, string][] = [
      [{ content: '' }, '/body/content'],
      [{ content: '   ' }, '/body/content'],
      [{ content: 'x'.repeat(8001) }, '/body/content'],
      [{ content: 42 }, '/body/content'],
      [{}, '/body/content'],
      [{ content: 'hi', role: 'system' }, '/body/role'],
      [{ content: 'hi', parentId: 'not-a-uuid' }, '/body/parentId'],
    ];
    for (const [body, path] of cases) {
      const response = await call('guest', 'POST', `/v1/conversations/${id}/messages`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.type).toContain('application/problem+json');
      expect(response.json.detail).toContain(path);
    }
    const malformed = await call(
      'guest',
      'POST',
      `/v1/conversations/${id}/messages`,
      '{"content": "unterminated',
    );
    expect(malformed).toMatchObject({ status: 400, json: { type: 'urn:parley:problem:bad-request' } });
    expect((await call('guest', 'GET', `/v1/conversations/${id}?view=tree`)).json.messages).toHaveLength(2);
  });

  it("answers 404 for another user's conversation and another tenant's, 200 for the tenant admin", async () => {
    for (const who of ['otherGuest', 'analyst', 'globexAdmin'] as const) {
      for (const [method, path, body] of [
        ['GET', `/v1/conversations/${id}`],
        ['POST', `/v1/conversations/${id}/messages`, { content: 'hello' }],
        ['PATCH', `/v1/conversations/${id}`, { title: 'taken' }],
        ['GET', `/v1/conversations/${id}/attachments`],
      ] as const) {
        const response = await call(who, method, path, body);
        expect(response.status, `${who} ${method} ${path}`).toBe(404);
        expect(response.json.detail).toBe('No such conversation');
      }
    }
    expect((await call('admin', 'GET', `/v1/conversations/${id}`)).status).toBe(200);
    expect((await call('admin', 'PATCH', `/v1/conversations/${id}`, { title: 'x' })).status).toBe(403);
  });

  it('validates ids, query strings and patches', async () => {
    expect((await call('guest', 'GET', '/v1/conversations/not-a-uuid')).status).toBe(400);
    expect((await call('guest', 'GET', `/v1/conversations/${id}?view=graph`)).status).toBe(400);
    expect((await call('guest', 'GET', '/v1/conversations?limit=0')).status).toBe(400);
    expect((await call('guest', 'GET', '/v1/conversations?limit=101')).status).toBe(400);
    expect((await call('guest', 'GET', '/v1/conversations?cursor=%E2%9C%93')).status).toBe(400);
    expect((await call('guest', 'GET', '/v1/conversations/search')).status).toBe(400);
    expect((await call('guest', 'PATCH', `/v1/conversations/${id}`, {})).status).toBe(400);
    expect((await call('guest', 'PATCH', `/v1/conversations/${id}`, { archived: 'yes' })).status).toBe(400);
    const renamed = await call('guest', 'PATCH', `/v1/conversations/${id}`, { title: ' Channel units ' });
    expect(renamed).toMatchObject({ status: 200, json: { title: 'Channel units' } });
  });

  it('lists, searches, edits, regenerates and switches branches', async () => {
    const list = await call('guest', 'GET', '/v1/conversations?limit=1');
    expect(list.json.conversations.map((c: { id: string }) => c.id)).toEqual([id]);
    const found = await call('guest', 'GET', `/v1/conversations/search?q=${encodeURIComponent('channels')}`);
    expect(found.json.results.map((r: { conversation: { id: string } }) => r.conversation.id)).toEqual([id]);
    const path = (await call('guest', 'GET', `/v1/conversations/${id}`)).json.messages;
    const edited = await call('guest', 'POST', `/v1/conversations/${id}/messages/${path[0].id}/edit`, {
      content: 'orders by channel last month',
    });
    expect(edited.status).toBe(201);
    const regenerated = await call(
      'guest',
      'POST',
      `/v1/conversations/${id}/messages/${edited.json.answer.id}/regenerate`,
    );
    expect(regenerated.status).toBe(201);
    const back = await call('guest', 'PUT', `/v1/conversations/${id}/active-leaf`, { messageId: path[0].id });
    expect(back.json.messages.map((m: { id: string }) => m.id)).toEqual(
      path.map((m: { id: string }) => m.id),
    );
    expect(back.json.messages[0].siblingIds).toHaveLength(2);
  });
});

describe('attachment routes', () => {
  let id: string;
  beforeAll(async () => {
    id = (await call('analyst', 'POST', '/v1/conversations', { title: 'files' })).json.conversation.id;
  });

  const form = (parts: [string, Blob, string][]) => {
    const data = new FormData();
    for (const [field, blob, name] of parts) data.append(field, blob, name);
    return data;
  };

  it('uploads, lists and downloads with a safe Content-Disposition and the same bytes', async () => {
    const bytes = 'month,orders\n2026-01,12\n';
    const response = await upload(
      'analyst',
      id,
      form([['file', new Blob([bytes], { type: 'text/csv' }), 'Résumé Q1.csv']]),
    );
    expect(response.status).toBe(201);
    const attachment = (await response.json()) as { id: string; sha256: string };
    expect(attachment).toMatchObject({
      mediaType: 'text/csv',
      sizeBytes: bytes.length,
      filename: 'Résumé Q1.csv',
    });
    const listed = await call('analyst', 'GET', `/v1/conversations/${id}/attachments`);
    expect(listed.json.attachments.map((a: { id: string }) => a.id)).toEqual([attachment.id]);

    const download = await fetch(`${base}/v1/conversations/${id}/attachments/${attachment.id}`, {
      headers: as('analyst'),
    });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(bytes);
    expect(download.headers.get('content-type')).toBe('text/csv');
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="R?sum? Q1.csv"; filename*=UTF-8''R%C3%A9sum%C3%A9%20Q1.csv`,
    );
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(download.headers.get('etag')).toBe(`"${attachment.sha256}"`);

    const admin = await fetch(`${base}/v1/conversations/${id}/attachments/${attachment.id}`, {
      headers: as('admin'),
    });
    expect(admin.status).toBe(200);
    await admin.arrayBuffer();
    for (const who of ['guest', 'globexAdmin'] as const) {
      const denied = await fetch(`${base}/v1/conversations/${id}/attachments/${attachment.id}`, {
        headers: as(who),
      });
      expect(denied.status).toBe(404);
      expect(denied.headers.get('content-type')).toContain('application/problem+json');
      await denied.arrayBuffer();
    }
  });

  it('refuses a body with two file parts and records neither', async () => {
    const before = await f.storedFiles();
    const data = new FormData();
    data.append('file', new Blob(['first'], { type: 'text/plain' }), 'first.txt');
    data.append('file', new Blob(['second'], { type: 'text/plain' }), 'second.txt');
    const response = await upload('analyst', id, data);
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const listed = await call('analyst', 'GET', `/v1/conversations/${id}/attachments`);
    const names = listed.json.attachments.map((a: { filename: string }) => a.filename);
    expect(names).not.toContain('first.txt');
    expect(names).not.toContain('second.txt');
    expect(await f.storedFiles()).toEqual(before);
  });

  it('refuses unsupported types, oversized files, non-multipart and malformed bodies', async () => {
    const before = await f.storedFiles();
    const expectProblem = async (response: Response, status: number) => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      await response.arrayBuffer();
    };
    await expectProblem(
      await upload(
        'analyst',
        id,
        form([['file', new Blob(['<h1>x</h1>'], { type: 'text/html' }), 'x.html']]),
      ),
      415,
    );
    await expectProblem(
      await upload('analyst', id, form([['file', new Blob(['MZ'], { type: 'image/png' }), 'x.png']])),
      415,
    );
    await expectProblem(
      await upload(
        'analyst',
        id,
        form([['file', new Blob(['a'.repeat(MAX_BYTES + 1)], { type: 'text/plain' }), 'a.txt']]),
      ),
      413,
    );
    await expectProblem(await upload('analyst', id, '{"file":"x"}', 'application/json'), 415);
    await expectProblem(
      await upload(
        'analyst',
        id,
        '--nope\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
        'multipart/form-data; boundary=zzz',
      ),
      400,
    );
    await expectProblem(await upload('analyst', id, form([])), 400);
    await expectProblem(
      await upload('guest', id, form([['file', new Blob(['a'], { type: 'text/plain' }), 'a.txt']])),
      404,
    );
    expect(await f.storedFiles()).toEqual(before);
  });
});
