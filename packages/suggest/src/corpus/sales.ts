import type { IndexEntry } from '../index/builder.js';
import { seededRandom } from './random.js';

const METRICS = [
  'revenue',
  'pipeline',
  'bookings',
  'win rate',
  'average deal size',
  'churn',
  'renewals',
  'quota attainment',
  'forecast',
  'sales cycle length',
  'open opportunities',
  'closed won deals',
  'closed lost deals',
  'net revenue retention',
  'gross margin',
  'discount rate',
  'upsell revenue',
  'new logos',
];
const CUTS = [
  'by region',
  'by product',
  'by rep',
  'by segment',
  'by industry',
  'by channel',
  'by stage',
  'by team',
];
const PERIODS = [
  'this quarter',
  'last quarter',
  'this month',
  'last month',
  'year to date',
  'last 12 months',
  'q1',
  'q2',
  'q3',
  'q4',
];
const REGIONS = [
  'emea',
  'north america',
  'apac',
  'latam',
  'dach',
  'nordics',
  'uk and ireland',
  'france',
  'japan',
];
const ASKS = [
  'top 10 deals closing',
  'deals at risk',
  'accounts up for renewal',
  'reps below quota',
  'stalled opportunities',
  'largest open deals',
  'summarize pipeline changes',
  'compare forecast to actuals',
  'why did win rate drop',
  'which products grew fastest',
];

/**
 * Queries a sales team asks an assistant ("pipeline by region this quarter", "deals at risk in
 * emea"), from templates over metrics, cuts, periods and regions, with Zipf popularity in a
 * seeded random order. For demo tenants; deterministic for a seed.
 */
export function salesQueries(seed = 7): IndexEntry[] {
  const texts = new Set<string>();
  for (const metric of METRICS) {
    texts.add(metric);
    for (const period of PERIODS) texts.add(`${metric} ${period}`);
    for (const cut of CUTS) {
      texts.add(`${metric} ${cut}`);
      for (const period of PERIODS) texts.add(`${metric} ${cut} ${period}`);
    }
    for (const region of REGIONS) texts.add(`${metric} in ${region}`);
  }
  for (const ask of ASKS) {
    texts.add(ask);
    for (const region of REGIONS) texts.add(`${ask} in ${region}`);
    for (const period of PERIODS) texts.add(`${ask} ${period}`);
  }
  const random = seededRandom(seed);
  const ordered = [...texts];
  for (let i = ordered.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ordered[i], ordered[j]] = [ordered[j]!, ordered[i]!];
  }
  // Short, general questions are asked more often than long, specific ones.
  ordered.sort((a, b) => a.split(' ').length - b.split(' ').length);
  return ordered.map((text, rank) => ({ text, weight: Math.round(10_000 / (rank + 1)) + 1 }));
}
