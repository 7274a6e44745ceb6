import { ManualClock } from '@parley/kit';
import { describe, expect, it } from 'vitest';
import { extractSlots, Gazetteer, type Slots } from '../../src/slots/index.js';
import { tenantValues } from './tenant.js';

const gazetteer = new Gazetteer(tenantValues);

/** Expected slots: only the fields listed are compared; `time`/`comparison` as "start..end grain". */
interface Expected {
  time?: string | null;
  comparison?: string | null;
  topN?: Slots['topN'];
  metrics?: Slots['metrics'];
  dimensions?: Slots['dimensions'];
  values?: string[];
  unknownDimensions?: string[];
}

// today is a Saturday in Q4 2025; the cases read like documentation: question → slots.
const SAT_2025_11_22 = '2025-11-22';
const cases: [string, string, Expected][] = [
  [
    'what was revenue last quarter',
    SAT_2025_11_22,
    { time: '2025-07-01..2025-10-01 quarter', metrics: ['revenue'] },
  ],
  ['Q3 2025 sales', SAT_2025_11_22, { time: '2025-07-01..2025-10-01 quarter', metrics: ['revenue'] }],
  [
    'revenue by region for Q3',
    SAT_2025_11_22,
    { time: '2025-07-01..2025-10-01 quarter', dimensions: ['region'] },
  ],
  // A bare quarter that has not begun this year is last year's.
  ['revenue in Q2', '2025-03-10', { time: '2024-04-01..2024-07-01 quarter' }],
  ['third quarter of 2024 turnover', SAT_2025_11_22, { time: '2024-07-01..2024-10-01 quarter' }],
  ['2024-Q4 orders', SAT_2025_11_22, { time: '2024-10-01..2025-01-01 quarter', metrics: ['orders'] }],
  ['YTD turnover', SAT_2025_11_22, { time: '2025-01-01..2025-11-23 year', metrics: ['revenue'] }],
  [
    'year to date AOV',
    SAT_2025_11_22,
    { time: '2025-01-01..2025-11-23 year', metrics: ['average_order_value'] },
  ],
  ['quarter-to-date units', SAT_2025_11_22, { time: '2025-10-01..2025-11-23 quarter', metrics: ['units'] }],
  ['orders yesterday', SAT_2025_11_22, { time: '2025-11-21..2025-11-22 day', metrics: ['orders'] }],
  ['sales today', SAT_2025_11_22, { time: '2025-11-22..2025-11-23 day' }],
  ['revenue over the last 12 months', SAT_2025_11_22, { time: '2024-11-01..2025-11-01 month' }],
  ['margin in the past 30 days', SAT_2025_11_22, { time: '2025-10-23..2025-11-22 day', metrics: ['margin'] }],
  ['units over the last three weeks', SAT_2025_11_22, { time: '2025-10-27..2025-11-17 week' }],
  ['revenue this month', SAT_2025_11_22, { time: '2025-11-01..2025-11-23 month' }],
  ['revenue last month', '2025-01-15', { time: '2024-12-01..2025-01-01 month' }],
  ['revenue in 2024', SAT_2025_11_22, { time: '2024-01-01..2025-01-01 year' }],
  ['March 2025 revenue', SAT_2025_11_22, { time: '2025-03-01..2025-04-01 month' }],
  ['revenue in December', SAT_2025_11_22, { time: '2024-12-01..2025-01-01 month' }],
  ['may I see revenue', SAT_2025_11_22, { time: null, metrics: ['revenue'] }],
  ['sales in may', SAT_2025_11_22, { time: '2025-05-01..2025-06-01 month' }],
  ['last week orders', SAT_2025_11_22, { time: '2025-11-10..2025-11-17 week' }],
  ['orders this week', SAT_2025_11_22, { time: '2025-11-17..2025-11-23 week' }],
  ['revenue since January', SAT_2025_11_22, { time: '2025-01-01..2025-11-23 month' }],
  ['revenue since March 2024', SAT_2025_11_22, { time: '2024-03-01..2025-11-23 month' }],
  ['sales from Jan to Mar 2025', SAT_2025_11_22, { time: '2025-01-01..2025-04-01 month' }],
  ['sales between November and February 2025', SAT_2025_11_22, { time: '2024-11-01..2025-03-01 month' }],
  ['sales from 2025-02-03 to 2025-02-09', SAT_2025_11_22, { time: '2025-02-03..2025-02-10 day' }],
  ['revenue Q1-Q3 2025', SAT_2025_11_22, { time: '2025-01-01..2025-10-01 quarter' }],
  ['H1 2025 revenue', SAT_2025_11_22, { time: '2025-01-01..2025-07-01 quarter' }],
  [
    'revenue from March to January 2025 is backwards',
    SAT_2025_11_22,
    { time: '2024-03-01..2025-02-01 month' },
  ],
  // Comparisons
  [
    'Q3 2025 sales vs last year',
    SAT_2025_11_22,
    { time: '2025-07-01..2025-10-01 quarter', comparison: 'previous_year 2024-07-01..2024-10-01' },
  ],
  [
    'revenue last quarter compared to previous quarter',
    SAT_2025_11_22,
    { time: '2025-07-01..2025-10-01 quarter', comparison: 'previous_period 2025-04-01..2025-07-01' },
  ],
  [
    'revenue this month vs the previous period',
    SAT_2025_11_22,
    { time: '2025-11-01..2025-11-23 month', comparison: 'previous_period 2025-10-01..2025-10-23' },
  ],
  [
    'YTD revenue year over year',
    SAT_2025_11_22,
    { time: '2025-01-01..2025-11-23 year', comparison: 'previous_year 2024-01-01..2024-11-23' },
  ],
  [
    'margin last month versus same period last year',
    SAT_2025_11_22,
    { time: '2025-10-01..2025-11-01 month', comparison: 'previous_year 2024-10-01..2024-11-01' },
  ],
  [
    'orders in March 2025 compared with previous quarter',
    SAT_2025_11_22,
    { time: '2025-03-01..2025-04-01 month', comparison: 'explicit 2025-07-01..2025-10-01' },
  ],
  [
    'revenue in 2025 vs 2023',
    SAT_2025_11_22,
    { time: '2025-01-01..2026-01-01 year', comparison: 'explicit 2023-01-01..2024-01-01' },
  ],
  // "wow" is an exclamation, not week over week.
  ['wow, revenue by region is up', SAT_2025_11_22, { comparison: null, dimensions: ['region'] }],
  [
    'revenue growth yoy',
    SAT_2025_11_22,
    { time: null, comparison: 'previous_year', metrics: ['revenue', 'growth'] },
  ],
  // Ranking
  [
    'top 5 products',
    SAT_2025_11_22,
    { topN: { direction: 'top', n: 5, dimension: 'product' }, dimensions: ['product'] },
  ],
  [
    'bottom 3 regions by margin',
    SAT_2025_11_22,
    { topN: { direction: 'bottom', n: 3, dimension: 'region' }, metrics: ['margin'], unknownDimensions: [] },
  ],
  ['best selling items this year', SAT_2025_11_22, { topN: { direction: 'top', dimension: 'product' } }],
  [
    'top ten customers by revenue',
    SAT_2025_11_22,
    { topN: { direction: 'top', n: 10, dimension: 'customer' } },
  ],
  [
    'which region had the highest revenue in 2024',
    SAT_2025_11_22,
    { topN: { direction: 'top', n: 1, dimension: 'region' }, metrics: ['revenue'], dimensions: ['region'] },
  ],
  // Metrics and dimensions through synonyms
  ['turnover per channel', SAT_2025_11_22, { metrics: ['revenue'], dimensions: ['channel'] }],
  [
    'average order value by segment and region',
    SAT_2025_11_22,
    { metrics: ['average_order_value'], dimensions: ['segment', 'region'] },
  ],
  ['sales volume by sku', SAT_2025_11_22, { metrics: ['units'], dimensions: ['product'] }],
  ['monthly gross profit', SAT_2025_11_22, { metrics: ['margin'], dimensions: ['month'] }],
  [
    'revenue and orders broken down by product category',
    SAT_2025_11_22,
    { metrics: ['revenue', 'orders'], dimensions: ['category'] },
  ],
  ['channel breakdown of turnover', SAT_2025_11_22, { metrics: ['revenue'], dimensions: ['channel'] }],
  ['revenue by country', SAT_2025_11_22, { dimensions: [], unknownDimensions: ['country'] }],
  ['by how much did revenue grow', SAT_2025_11_22, { metrics: ['revenue', 'growth'], unknownDimensions: [] }],
  // Dimension values from the tenant's gazetteer
  ['sales in Nothern Europe last month', SAT_2025_11_22, { values: ['region=Northern Europe'] }],
  ['revenue for HOME & GARDEN', SAT_2025_11_22, { values: ['category=Home & Garden'] }],
  ['revenue for home and garden', SAT_2025_11_22, { values: ['category=Home & Garden'] }],
  ['orders in ile de france', SAT_2025_11_22, { values: ['region=Île-de-France'] }],
  ['revenue from the webshop in Europe', SAT_2025_11_22, { values: ['channel=Webshop', 'region=Europe'] }],
  ['enterprize customers in emea', SAT_2025_11_22, { values: ['segment=Enterprise', 'region=EMEA'] }],
  [
    'units of Trail Runner 2 by month',
    SAT_2025_11_22,
    { values: ['product=Trail Runner 2'], dimensions: ['month'] },
  ],
  ['revenue in the UK', SAT_2025_11_22, { values: ['region=UK'] }],
  // Short words must match exactly: "EU" is not "UK", and nothing here is a value.
  ['revenue in the EU', SAT_2025_11_22, { values: [] }],
  ['what was the total last quarter', SAT_2025_11_22, { values: [] }],
];

function clockAt(day: string): ManualClock {
  return new ManualClock(Date.parse(`${day}T15:30:00Z`));
}

describe('extractSlots', () => {
  it.each(cases)('%s (today %s)', (question, today, expected) => {
    const slots = extractSlots(question, { clock: clockAt(today), gazetteer });
    if (expected.time !== undefined) {
      expect(slots.time ? `${slots.time.start}..${slots.time.end} ${slots.time.grain}` : null).toBe(
        expected.time,
      );
    }
    if (expected.comparison !== undefined) {
      const c = slots.comparison;
      const text = c ? `${c.kind}${c.range ? ` ${c.range.start}..${c.range.end}` : ''}` : null;
      expect(text).toBe(expected.comparison);
    }
    if (expected.topN) expect(slots.topN).toEqual(expected.topN);
    if (expected.metrics) expect(slots.metrics).toEqual(expected.metrics);
    if (expected.dimensions) expect(slots.dimensions).toEqual(expected.dimensions);
    if (expected.values)
      expect(slots.values.map((v) => `${v.dimension}=${v.value}`)).toEqual(expected.values);
    if (expected.unknownDimensions) expect(slots.unknownDimensions).toEqual(expected.unknownDimensions);
  });

  it('without a gazetteer recognises no values', () => {
    expect(extractSlots('sales in Northern Europe', { clock: clockAt(SAT_2025_11_22) }).values).toEqual([]);
  });

  it.each([
    ['empty', ''],
    ['100 KB', 'revenue by region last quarter '.repeat(3500)],
    ['control characters and lone surrogates', 'rev\u0000enue \ud800 by\u0007 region \udc00 q3'],
    ['emoji', '📈 revenue 🌍 by region'],
    ['regex metacharacters', 'revenue (by) [region] {q3} $^.*+?|\\'],
    ['absurd counts', 'revenue last 99999 years, top 0 products'],
  ])('survives bad input: %s', (_, question) => {
    const slots = extractSlots(question, { clock: clockAt(SAT_2025_11_22), gazetteer });
    expect(Array.isArray(slots.metrics)).toBe(true);
    if (slots.time) expect(slots.time.start < slots.time.end).toBe(true);
  });
});
