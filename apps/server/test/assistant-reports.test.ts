import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AssistantApp, openAssistantApp, readEvents } from './assistant-app.js';

const REPORT = 'generate a report of revenue by region last quarter';
let app: AssistantApp;
let t: AssistantApp['t'];
let base: string;
let auth: AssistantApp['auth'];

/** The assistant as `parley start` runs it: the reports queue with an in-process worker. */
beforeAll(async () => {
  app = await openAssistantApp('reports-demo-password-1');
  ({ t, base, auth } = app);
});
afterAll(async () => {
  await app?.t.close();
});

const askReport = (headers: Record<string, string>) =>
  t.app.inject({ method: 'POST', url: '/v1/conversations', headers, payload: { message: REPORT } });

interface ReportFile {
  id: string;
  filename: string;
  mediaType: string;
  sha256: string;
  href: string;
}

describe('reports over HTTP', () => {
  it('answers 202 with the task, streams its progress and result, and serves the files with their checksums', async () => {
    const created = await askReport(auth.analyst);
    expect(created.statusCode).toBe(202);
    const body = created.json();
    const taskId = body.exchange.task.id as string;
    expect(body.exchange.task.kind).toBe('report');
    expect(created.headers.location).toBe(`/v1/tasks/${taskId}`);
    expect(body.exchange.answer.intent).toBe('report_request');

    const stream = await fetch(`${base}/v1/tasks/${taskId}/events`, { headers: auth.analyst });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(stream);
    const end = events.at(-1)!;
    expect(end.event).toBe('completed');
    const files = (end.data.result as { files: ReportFile[] }).files;
    expect(files.map((f) => f.mediaType)).toEqual(['text/csv', 'text/html']);

    const task = await t.app.inject({ url: `/v1/tasks/${taskId}`, headers: auth.analyst });
    expect(task.json()).toMatchObject({ kind: 'report', state: 'completed', result: { files } });

    for (const file of files) {
      const download = await t.app.inject({ url: file.href, headers: auth.analyst });
      expect(download.statusCode).toBe(200);
      expect(download.headers['content-type']).toContain(file.mediaType);
      expect(download.headers.etag).toBe(`"${file.sha256}"`);
      expect(download.headers['content-disposition']).toBe(`attachment; filename=${file.filename}`);
      expect(download.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      expect(createHash('sha256').update(download.rawPayload).digest('hex')).toBe(file.sha256);
    }
    // The answer is complete and lists its files.
    const conversation = await t.app.inject({
      url: `/v1/conversations/${body.conversation.id}`,
      headers: auth.analyst,
    });
    const answer = conversation.json().messages.at(-1);
    expect(answer.status).toBe('complete');
    expect(answer.attachments.map((a: { id: string }) => a.id)).toEqual(files.map((f) => f.id));
    // Another user of the tenant sees neither the task nor the files; the admin reads them (audited).
    expect((await t.app.inject({ url: `/v1/tasks/${taskId}`, headers: auth.guest })).statusCode).toBe(404);
    expect((await t.app.inject({ url: files[0]!.href, headers: auth.guest })).statusCode).toBe(404);
    expect((await t.app.inject({ url: files[0]!.href, headers: auth.admin })).statusCode).toBe(200);
  });

  it('refuses a report to a guest (reports:generate) and queues nothing', async () => {
    const created = await askReport(auth.guest);
    expect(created.statusCode).toBe(201);
    expect(created.json().exchange.task).toBeUndefined();
    expect(created.json().exchange.answer).toMatchObject({
      status: 'complete',
      answer: { kind: 'denied', missingPermissions: ['reports:generate'] },
    });
  });

  it('exports the queues as parley_queue_jobs at scrape time', async () => {
    const metrics = (await t.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/^parley_queue_jobs\{queue="reports",state="completed"\} [1-9]\d*$/m);
    for (const queue of ['llm', 'reports'])
      for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed'])
        expect(metrics).toMatch(
          new RegExp(`^parley_queue_jobs\\{queue="${queue}",state="${state}"\\} \\d+$`, 'm'),
        );
    // No model configured: no breaker to report.
    expect(metrics).not.toContain('parley_circuit_breaker_state{');
  });
});
