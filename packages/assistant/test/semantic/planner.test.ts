import { ManualClock } from '@parley/kit';
import { describe, expect, it } from 'vitest';
import { loadClassifier } from '../../src/classifier/classifier.js';
import type { Intent } from '../../src/classifier/intents.js';
import {
  PLAN_LIMITS,
  PlanError,
  type PlanRejection,
  planQuery,
  type QueryPlan,
  requiredPermissions,
  validatePlan,
} from '../../src/semantic/index.js';
import { extractSlots, Gazetteer } from '../../src/slots/index.js';
import { tenantValues } from '../slots/tenant.js';

const clock = new ManualClock(Date.parse('2025-11-22T10:00:00Z'));
const gazetteer = new Gazetteer(tenantValues);
const plan = (intent: Intent, question: string) =>
  planQuery(intent, extractSlots(question, { clock, gazetteer }), clock.now());

/** Plans written compactly: metrics, dimensions, filters, time, comparison, order, limit, detail. */
const cases: [Intent, string, Partial<QueryPlan> & { time?: string; compare?: string }][] = [
  [
    'metric_query',
    'what was revenue last quarter',
    {
      metrics: [{ name: 'revenue' }],
      dimensions: [],
      filters: [],
      time: '2025-07-01..2025-10-01',
      orderBy: [],
      detailLevel: 'aggregate',
    },
  ],
  [
    'metric_query',
    'AOV this year',
    { metrics: [{ name: 'average_order_value' }], time: '2025-01-01..2025-11-23' },
  ],
  // Without a time expression a metric reads the year to date, a trend the last 12 months.
  [
    'metric_query',
    'how many orders did we get',
    { metrics: [{ name: 'orders' }], time: '2025-01-01..2025-11-23' },
  ],
  [
    'trend_summary',
    'summarize sales trends',
    {
      time: '2024-11-01..2025-11-01',
      dimensions: ['month'],
      orderBy: [{ field: 'month', direction: 'asc' }],
    },
  ],
  ['trend_summary', 'how did revenue develop last month', { dimensions: ['day'] }],
  ['trend_summary', 'revenue trend this quarter', { dimensions: ['week'] }],
  [
    'breakdown',
    'revenue by region for Q3',
    {
      metrics: [{ name: 'revenue' }],
      dimensions: ['region'],
      time: '2025-07-01..2025-10-01',
      orderBy: [{ field: 'revenue', direction: 'desc' }],
    },
  ],
  [
    'breakdown',
    'top 5 products by margin in 2024',
    {
      metrics: [{ name: 'margin' }],
      dimensions: ['product'],
      time: '2024-01-01..2025-01-01',
      orderBy: [{ field: 'margin', direction: 'desc' }],
      limit: 5,
    },
  ],
  [
    'breakdown',
    'bottom 3 regions by units last month',
    { orderBy: [{ field: 'units', direction: 'asc' }], limit: 3 },
  ],
  ['breakdown', 'best selling categories', { dimensions: ['category'], limit: PLAN_LIMITS.defaultTopN }],
  [
    'metric_query',
    'revenue in Nothern Europe and EMEA via the webshop',
    {
      filters: [
        { dimension: 'region', values: ['Northern Europe', 'EMEA'] },
        { dimension: 'channel', values: ['Webshop'] },
      ],
    },
  ],
  ['metric_query', 'Q3 2025 revenue vs last year', { compare: 'previous_year 2024-07-01..2024-10-01' }],
  [
    'metric_query',
    'revenue growth last quarter',
    {
      metrics: [{ name: 'revenue' }, { name: 'growth', of: 'revenue' }],
      compare: 'previous_period 2025-04-01..2025-07-01',
    },
  ],
  [
    'metric_query',
    'orders growth year over year in 2024',
    {
      metrics: [{ name: 'orders' }, { name: 'growth', of: 'orders' }],
      compare: 'previous_year 2023-01-01..2024-01-01',
    },
  ],
  [
    'trend_summary',
    'revenue month over month this year',
    { dimensions: ['month'], compare: 'previous_period 2024-01-01..2024-11-23' },
  ],
  ['breakdown', 'top 10 customers by revenue', { dimensions: ['customer'], detailLevel: 'customer' }],
  [
    'metric_query',
    'how much did Acme Corp buy last year',
    { filters: [{ dimension: 'customer', values: ['Acme Corp'] }], detailLevel: 'customer' },
  ],
  [
    'report_request',
    'generate a report of revenue by channel and segment in EMEA',
    {
      dimensions: ['channel', 'segment'],
      filters: [{ dimension: 'region', values: ['EMEA'] }],
    },
  ],
];

describe('planQuery', () => {
  it.each(cases)('%s: %s', (intent, question, expected) => {
    const result = plan(intent, question);
    const { time, compare, ...fields } = expected;
    expect(result).toMatchObject(fields);
    if (time) expect(`${result.timeRange.start}..${result.timeRange.end}`).toBe(time);
    if (compare)
      expect(
        `${result.comparison?.kind} ${result.comparison?.range.start}..${result.comparison?.range.end}`,
      ).toBe(compare);
    expect(result.intent).toBe(intent);
  });

  const refusals: [Intent, string, PlanRejection][] = [
    ['breakdown', 'revenue by country', 'unknown_dimension'],
    ['breakdown', 'break down revenue for me', 'missing_dimension'],
    ['metric_query', 'top 5 by revenue', 'missing_dimension'],
    ['breakdown', 'top 500 products', 'limit_exceeded'],
    ['breakdown', 'top 0 products', 'limit_exceeded'],
    ['metric_query', 'revenue from 1990 to 2025', 'invalid_time_range'],
    ['breakdown', 'revenue by region, channel, segment and product', 'too_many'],
    ['admin_request', 'add a new analyst user', 'not_analytics'],
    ['out_of_scope', "what's the weather in Paris", 'not_analytics'],
  ];

  it.each(refusals)('%s: "%s" is refused (%s)', (intent, question, reason) => {
    let error: unknown;
    try {
      plan(intent, question);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlanError);
    expect((error as PlanError).reason).toBe(reason);
    expect((error as PlanError).status).toBe(422);
    expect((error as PlanError).toBody().type).toBe('urn:parley:problem:assistant-plan-rejected');
  });
});

describe('validatePlan', () => {
  const good = plan('breakdown', 'revenue by region last quarter');

  it.each([
    ['an unknown metric', { metrics: [{ name: 'DROP TABLE' }] }, 'unknown_metric'],
    ['an unknown dimension', { dimensions: ['region; --'] }, 'unknown_dimension'],
    ['a filter on a time grain', { filters: [{ dimension: 'month', values: ['1'] }] }, 'invalid_filter'],
    ['an empty filter', { filters: [{ dimension: 'region', values: [] }] }, 'invalid_filter'],
    [
      'a huge filter value',
      { filters: [{ dimension: 'region', values: ['x'.repeat(500)] }] },
      'invalid_filter',
    ],
    [
      'a backwards range',
      { timeRange: { start: '2025-02-01', end: '2025-01-01', grain: 'month' } },
      'invalid_time_range',
    ],
    [
      'a malformed date',
      { timeRange: { start: '2025-13-01', end: '2026-01-01', grain: 'month' } },
      'invalid_time_range',
    ],
    ['a limit over the maximum', { limit: 10_000 }, 'limit_exceeded'],
    ['a fractional limit', { limit: 2.5 }, 'limit_exceeded'],
    [
      'ordering by a field not in the plan',
      { orderBy: [{ field: 'margin', direction: 'desc' }] },
      'unknown_metric',
    ],
    ['growth without a comparison', { metrics: [{ name: 'growth', of: 'revenue' }] }, 'invalid_time_range'],
    ['two time grains', { dimensions: ['month', 'week'] }, 'too_many'],
  ])('rejects %s', (_, change, reason) => {
    expect(() => validatePlan({ ...good, ...(change as Partial<QueryPlan>) })).toThrow(
      expect.objectContaining({ reason }),
    );
  });

  it('accepts its own plans unchanged', () => {
    expect(validatePlan(good)).toEqual(good);
  });
});

describe('requiredPermissions', () => {
  it('asks for detail and report permissions only when needed', () => {
    expect(requiredPermissions(plan('breakdown', 'revenue by region'))).toEqual(['sales:query']);
    expect(requiredPermissions(plan('breakdown', 'top 5 customers'))).toEqual([
      'sales:query',
      'sales:query_detail',
    ]);
    expect(requiredPermissions(plan('report_request', 'generate a report of revenue by channel'))).toEqual([
      'sales:query',
      'reports:generate',
    ]);
  });
});

describe('question to plan', () => {
  const classifier = loadClassifier('v2');

  it.each([
    ['what was revenue last quarter', 'metric_query', []],
    ['revenue by region for Q3', 'breakdown', ['region']],
    ['summarize sales trends this year', 'trend_summary', ['month']],
    ['generate a report of top customers in EMEA', 'report_request', ['customer']],
  ])('%s', (question, intent, dimensions) => {
    const routed = classifier.classify(question);
    expect(routed.intent).toBe(intent);
    const result = planQuery(
      routed.intent as Intent,
      extractSlots(question, { clock, gazetteer }),
      clock.now(),
    );
    expect(result.dimensions).toEqual(dimensions);
  });
});
