import { findTenant, seedDemo } from '@parley/iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenFor, createTestAppWithIam, type TestAppWithIam } from './helpers.js';

const PASSWORD = 'conversations-demo-password-1';
const BOUNDARY = 'parley-conversation-test';

let t: TestAppWithIam;
const auth: Record<'guest' | 'admin', Record<string, string>> = { guest: {}, admin: {} };
let users: Record<string, string>;

/** The assistant module as `parley start` mounts it: IAM in front, audit records behind. */
beforeAll(async () => {
  t = await createTestAppWithIam({ modules: ['assistant'] });
  await seedDemo(t.iam, PASSWORD);
  const acme = (await findTenant(t.iam.db, 'acme'))!;
  users = Object.fromEntries((await t.iam.listUsers(acme.id)).map((u) => [u.email.split('@')[0]!, u.id]));
  for (const role of ['guest', 'admin'] as const) {
    auth[role] = {
      authorization: `Bearer ${await accessTokenFor(t.app, 'acme', `${role}@acme.test`, PASSWORD)}`,
    };
  }
});
afterAll(async () => {
  await t?.close();
});

interface AuditView {
  route: string;
  actor: string;
  resource: string | null;
  details: Record<string, unknown>;
}

async function readRecords(): Promise<AuditView[]> {
  const res = await t.app.inject({
    url: '/v1/audit-events?action=conversations:read&limit=100',
    headers: auth.admin,
  });
  expect(res.statusCode).toBe(200);
  return (res.json() as { events: AuditView[] }).events;
}

describe('conversations in the server', () => {
  it("records an admin's read of another user's conversation with its id, owner and the permission used", async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: auth.guest,
      payload: { message: 'revenue last quarter' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().conversation.id as string;

    expect((await t.app.inject({ url: `/v1/conversations/${id}`, headers: auth.guest })).statusCode).toBe(
      200,
    );
    expect((await t.app.inject({ url: `/v1/conversations/${id}`, headers: auth.admin })).statusCode).toBe(
      200,
    );

    const reads = (await readRecords()).filter(
      (r) => r.route === 'GET /v1/conversations/:id' && r.resource?.includes(id),
    );
    const byAdmin = reads.find((r) => r.actor === `user:${users.admin}`);
    const byOwner = reads.find((r) => r.actor === `user:${users.guest}`);
    expect(byAdmin?.details).toMatchObject({
      access: 'conversations:read_all',
      conversationOwner: users.guest,
    });
    expect(byOwner?.details.access).toBeUndefined();
  });

  it('stores an upload in the module file store and serves it to the owner and the admin only', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: auth.guest,
      payload: { title: 'files' },
    });
    const id = created.json().conversation.id as string;
    const uploaded = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${id}/attachments`,
      headers: { ...auth.guest, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      payload:
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="sales.csv"\r\n` +
        `Content-Type: text/csv\r\n\r\nregion,revenue\nNorth,1\n\r\n--${BOUNDARY}--\r\n`,
    });
    expect(uploaded.statusCode).toBe(201);
    const attachment = uploaded.json() as { id: string; sizeBytes: number };
    expect(attachment.sizeBytes).toBe('region,revenue\nNorth,1\n'.length);
    for (const who of ['guest', 'admin'] as const) {
      const download = await t.app.inject({
        url: `/v1/conversations/${id}/attachments/${attachment.id}`,
        headers: auth[who],
      });
      expect(download.statusCode).toBe(200);
      expect(download.body).toBe('region,revenue\nNorth,1\n');
      expect(download.headers['content-disposition']).toBe('attachment; filename=sales.csv');
    }
  });
});
