import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ChainedFields, canonicalJson, recordHash } from '../src/audit/chain.js';

/** The definition the chain was built on: SHA-256 of the canonical JSON of every field. */
function reference(fields: ChainedFields): string {
  return createHash('sha256')
    .update(canonicalJson({ ...fields, time: fields.time.toISOString() }))
    .digest('hex');
}

const base: ChainedFields = {
  id: '0190a8e0-0000-7000-8000-000000000001',
  tenantId: '0190a8e0-0000-7000-8000-0000000000aa',
  seq: 1,
  time: new Date('2026-11-23T01:02:03.456Z'),
  kind: 'request',
  actor: 'user:0190a8e0-0000-7000-8000-00000000abcd',
  action: 'reports:generate',
  resource: null,
  decision: 'allow',
  status: 200,
  route: 'GET /v1/reports',
  ip: '127.0.0.1',
  userAgent: 'curl/8.0',
  requestId: 'req-1',
  latencyMs: 3,
  details: {},
  prevHash: '0'.repeat(64),
};

describe('record hash', () => {
  it.each<[string, Partial<ChainedFields>]>([
    ['a request record', {}],
    [
      'nulls everywhere they are allowed',
      { status: null, route: null, ip: null, userAgent: null, requestId: null, latencyMs: null },
    ],
    [
      'a resource and nested details in any key order',
      { resource: '{"id":"x"}', details: { z: 1, a: { y: [1, { c: 2, b: null }], x: 'é' } } },
    ],
    [
      'quotes, backslashes, control and non-BMP characters',
      { userAgent: 'a"b\\c\n\u0001 😀 \u2028', actor: 'apikey:"x"' },
    ],
    ['big sequence numbers', { seq: 2 ** 52 + 1, latencyMs: 0 }],
  ])('is the SHA-256 of the canonical JSON: %s', (_name, change) => {
    const fields = { ...base, ...change };
    expect(recordHash(fields)).toBe(reference(fields));
  });

  it('changes with every field', () => {
    const original = recordHash(base);
    const changes: Partial<ChainedFields>[] = [
      { id: '0190a8e0-0000-7000-8000-000000000002' },
      { tenantId: '0190a8e0-0000-7000-8000-0000000000ab' },
      { seq: 2 },
      { time: new Date(base.time.getTime() + 1) },
      { kind: 'event' },
      { actor: 'anonymous' },
      { action: 'public' },
      { resource: '{}' },
      { decision: 'deny' },
      { status: 403 },
      { route: 'GET /v1/other' },
      { ip: '::1' },
      { userAgent: 'other' },
      { requestId: 'req-2' },
      { latencyMs: 4 },
      { details: { a: 1 } },
      { prevHash: '1'.repeat(64) },
    ];
    expect(changes).toHaveLength(Object.keys(base).length);
    for (const change of changes) expect(recordHash({ ...base, ...change })).not.toBe(original);
  });
});
