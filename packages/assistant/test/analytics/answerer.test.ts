import { type Db, queryRows, withTenant } from '@parley/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, Answerer, type DenialEvent } from '../../src/analytics/answerer.js';
import { createSalesFixture, NOW, type SalesFixture } from './fixtures.js';

const ALL = ['sales:query', 'sales:query_detail', 'reports:generate'];
const GUEST = ['sales:query'];

let f: SalesFixture;
let answerer: Answerer;
const denials: DenialEvent[] = [];

beforeAll(async () => {
  f = await createSalesFixture();
  answerer = new Answerer({ db: f.database.db, clock: f.clock, onDenied: (e) => void denials.push(e) });
}, 120_000);
afterAll(async () => {
  await answerer?.close();
  await f?.database.close();
});

const ask = (question: string, permissions = ALL, tenantId = f.acme) =>
  answerer.answer({ tenantId, permissions, question, now: NOW, subject: 'user-1' });

/** A direct check, written by hand rather than by the compiler: one number for the tenant. */
async function scalar(db: Db, tenantId: string, query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await withTenant(db, tenantId, (tx) => queryRows<{ v: string | null }>(tx, query));
  return Number(row?.v ?? 0);
}

const cell = (answer: Answer, row: number, column: string) =>
  answer.table!.rows[row]![answer.table!.columns.indexOf(column)];

describe('numbers match a direct SQL check', () => {
  it('revenue last quarter vs the same quarter a year earlier', async () => {
    const answer = await ask('revenue last quarter vs last year');
    expect(answer.kind).toBe('answer');
    const revenue = (start: string, end: string) =>
      scalar(
        f.database.db,
        f.acme,
        sql`SELECT sum(revenue) AS v FROM sales_facts WHERE sale_date >= ${start}::date AND sale_date < ${end}::date`,
      );
    expect(cell(answer, 0, 'Revenue')).toBeCloseTo(await revenue('2025-10-01', '2026-01-01'), 2);
    expect(cell(answer, 0, 'Revenue (comparison)')).toBeCloseTo(await revenue('2024-10-01', '2025-01-01'), 2);
    expect(answer.chart).toBeUndefined();
    expect(answer.text).toContain('Q4 2025');
  });

  it('top 3 regions by units this year, in order', async () => {
    const answer = await ask('top 3 regions by units this year');
    const expected = await withTenant(f.database.db, f.acme, (tx) =>
      queryRows<{ name: string; v: string }>(
        tx,
        sql`SELECT r.name, sum(f.units) AS v FROM sales_facts f JOIN sales_regions r ON r.tenant_id = f.tenant_id AND r.id = f.region_id
            WHERE f.sale_date >= '2026-01-01' AND f.sale_date < '2026-03-16' GROUP BY r.name ORDER BY v DESC, r.name LIMIT 3`,
      ),
    );
    expect(answer.table!.columns).toEqual(['Region', 'Units sold']);
    expect(answer.table!.rows).toEqual(expected.map((r) => [r.name, Number(r.v)]));
    expect(answer.chart).toMatchObject({ mark: { type: 'bar' } });
  });

  it('orders count distinct orders and average order value divides revenue by them, per segment', async () => {
    const answer = await ask('average order value by segment in Q4 2025');
    const expected = await withTenant(f.database.db, f.acme, (tx) =>
      queryRows<{ name: string; revenue: string; orders: string }>(
        tx,
        sql`SELECT s.name, sum(f.revenue) AS revenue, count(DISTINCT f.order_id) AS orders
            FROM sales_facts f JOIN sales_customers c ON c.tenant_id = f.tenant_id AND c.id = f.customer_id
            JOIN sales_segments s ON s.tenant_id = c.tenant_id AND s.id = c.segment_id
            WHERE f.sale_date >= '2025-10-01' AND f.sale_date < '2026-01-01' GROUP BY s.name`,
      ),
    );
    expect(answer.table!.rows).toHaveLength(expected.length);
    for (const row of expected) {
      const shown = answer.table!.rows.find((r) => r[0] === row.name)!;
      expect(shown[1]).toBeCloseTo(Number(row.revenue) / Number(row.orders), 2);
    }
  });

  it('a category filter from the gazetteer (misspelt) and margin', async () => {
    const [category] = await withTenant(f.database.db, f.acme, (tx) =>
      queryRows<{ name: string }>(tx, sql`SELECT name FROM sales_categories ORDER BY id LIMIT 1`),
    );
    // One letter dropped: "Sftware".
    const misspelt = `${category!.name.slice(0, 1)}${category!.name.slice(2)}`.toLowerCase();
    const answer = await ask(`what was the gross margin of ${misspelt} in 2025`);
    expect(answer.kind, answer.text).toBe('answer');
    expect(answer.plan?.filters).toEqual([{ dimension: 'category', values: [category!.name] }]);
    const margin = await scalar(
      f.database.db,
      f.acme,
      sql`SELECT sum(f.revenue - f.cost) AS v FROM sales_facts f JOIN sales_products p ON p.tenant_id = f.tenant_id AND p.id = f.product_id
          JOIN sales_categories c ON c.tenant_id = p.tenant_id AND c.id = p.category_id
          WHERE c.name = ${category!.name} AND f.sale_date >= '2025-01-01' AND f.sale_date < '2026-01-01'`,
    );
    expect(cell(answer, 0, 'Gross margin')).toBeCloseTo(margin, 2);
  });

  it('a monthly trend has one row per month with the month total', async () => {
    const answer = await ask('monthly revenue trend for the last 12 months');
    expect(answer.table!.columns).toEqual(['Month', 'Revenue']);
    expect(answer.table!.rows).toHaveLength(12);
    const march = await scalar(
      f.database.db,
      f.acme,
      sql`SELECT sum(revenue) AS v FROM sales_facts WHERE sale_date >= '2025-03-01' AND sale_date < '2025-04-01'`,
    );
    expect(answer.table!.rows[0]).toEqual(['2025-03-01', Math.round(march * 100) / 100]);
    expect(answer.chart).toMatchObject({ mark: { type: 'line' } });
  });

  it('growth compares with the previous period', async () => {
    const answer = await ask('revenue growth by channel last month');
    expect(answer.plan?.comparison?.range).toEqual({ start: '2026-01-01', end: '2026-02-01' });
    const columns = answer.table!.columns;
    for (const row of answer.table!.rows) {
      const now = row[columns.indexOf('Revenue')] as number;
      const before = row[columns.indexOf('Revenue (comparison)')] as number;
      expect(row[columns.indexOf('Revenue growth')]).toBeCloseTo((now - before) / before, 3);
    }
  });
});

describe('permissions per intent and detail level', () => {
  it('guests get aggregates but not customer-level detail, and the refusal is recorded', async () => {
    expect((await ask('revenue by segment last year', GUEST)).kind).toBe('answer');
    denials.length = 0;
    const answer = await ask('top 5 customers by revenue last year', GUEST);
    expect(answer.kind).toBe('denied');
    expect(answer.text).toContain('sales:query_detail');
    expect(answer.table).toBeUndefined();
    expect(denials).toEqual([
      {
        tenantId: f.acme,
        subject: 'user-1',
        intent: 'breakdown',
        missing: ['sales:query_detail'],
        detailLevel: 'customer',
      },
    ]);
    expect((await ask('top 5 customers by revenue last year')).kind).toBe('answer');
  });

  it('reports need reports:generate and then run as tasks', async () => {
    const denied = await ask('generate a report of revenue by region for last quarter', GUEST);
    expect(denied.kind).toBe('denied');
    expect(denied.text).toContain('reports:generate');
    const task = await ask('generate a report of revenue by region for last quarter');
    expect(task.kind).toBe('task_required');
    expect(task.plan?.dimensions).toEqual(['region']);
  });
});

describe('other intents and unclear questions', () => {
  it.each([
    ['hi there, what can you do?', 'help'],
    ['what is the weather in Paris tomorrow', 'out_of_scope'],
    ['asdf qwer zxcv', 'clarify'],
    ['revenue by', 'clarify'],
  ])('%s → %s', async (question, kind) => {
    const answer = await ask(question);
    expect(answer.kind).toBe(kind);
    expect(answer.text.length).toBeGreaterThan(10);
    expect(answer.classifierVersion).toBe('v2');
  });

  it('a breakdown by an unknown dimension asks back instead of guessing', async () => {
    const answer = await ask('revenue by country last year');
    expect(answer.kind).toBe('clarify');
    expect(answer.text).toContain('country');
  });

  it('a tenant without sales data is told so', async () => {
    const answer = await ask('revenue last quarter', ALL, f.empty);
    expect(answer).toMatchObject({ kind: 'answer', dataVersion: 0 });
    expect(answer.table).toBeUndefined();
  });

  it('v1 can serve instead of v2', async () => {
    const v1 = new Answerer({ db: f.database.db, clock: f.clock, classifierVersion: 'v1' });
    const answer = await v1.answer({
      tenantId: f.acme,
      permissions: ALL,
      question: 'revenue by region last year',
      now: NOW,
    });
    expect(answer).toMatchObject({ kind: 'answer', classifierVersion: 'v1' });
  });
});
