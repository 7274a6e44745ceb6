import { describe, expect, it } from 'vitest';
import { dayNumber } from '../../src/slots/calendar.js';
import { generateDimensions, seedOf, sizesFor } from '../../src/warehouse/dimensions.js';
import { type FactBatch, FactGenerator } from '../../src/warehouse/facts.js';

const START = dayNumber({ year: 2023, month: 1, day: 1 });
const END = dayNumber({ year: 2026, month: 1, day: 1 });
const ROWS = 120_000;

function generate(seed: string) {
  const dims = generateDimensions(seedOf(seed), sizesFor(ROWS));
  const batches: FactBatch[] = [
    ...new FactGenerator(dims, seedOf(seed) + 1).batches(
      { start: START, end: END, rows: ROWS, firstOrderId: 1 },
      10_000,
    ),
  ];
  return { dims, batches };
}

/** Sums a measure of every line into buckets chosen by `key`. */
function totals(
  batches: FactBatch[],
  key: (b: FactBatch, i: number) => number,
  measure: (b: FactBatch, i: number) => number,
) {
  const sums = new Map<number, number>();
  for (const b of batches)
    for (let i = 0; i < b.length; i++) sums.set(key(b, i), (sums.get(key(b, i)) ?? 0) + measure(b, i));
  return sums;
}

const { dims, batches } = generate('acme');
const lines = (_b: FactBatch, _i: number) => 1;

describe('generated sales', () => {
  it('has exactly the rows asked for, in the range, with unique (order, line) pairs and consistent money', () => {
    expect(batches.reduce((n, b) => n + b.length, 0)).toBe(ROWS);
    const seen = new Set<string>();
    // Checked in a loop and asserted once: an expect per line would dominate the test's time.
    const bad: string[] = [];
    for (const b of batches) {
      for (let i = 0; i < b.length; i++) {
        seen.add(`${b.orderId[i]}:${b.line[i]}`);
        const product = dims.products[b.productId[i]! - 1]!;
        const customer = dims.customers[b.customerId[i]! - 1]!;
        if (b.day[i]! < START || b.day[i]! >= END) bad.push(`day ${b.day[i]}`);
        if (b.units[i]! < 1 || b.revenue[i]! <= 0) bad.push(`units ${b.units[i]} revenue ${b.revenue[i]}`);
        if (b.cost[i] !== b.units[i]! * product.unitCost) bad.push(`cost ${b.cost[i]}`);
        if (b.revenue[i]! > b.units[i]! * product.listPrice) bad.push(`revenue above list ${b.revenue[i]}`);
        // Each customer buys in its own region.
        if (b.regionId[i] !== customer.regionId) bad.push(`region ${b.regionId[i]}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(seen.size).toBe(ROWS);
  });

  it('grows year over year and peaks in the fourth quarter', () => {
    const byYear = totals(batches, (b, i) => new Date(b.day[i]! * 86_400_000).getUTCFullYear(), lines);
    expect(byYear.get(2024)! / byYear.get(2023)!).toBeGreaterThan(1.08);
    expect(byYear.get(2025)! / byYear.get(2024)!).toBeGreaterThan(1.08);
    const byMonth = totals(batches, (b, i) => new Date(b.day[i]! * 86_400_000).getUTCMonth(), lines);
    expect(byMonth.get(11)!).toBeGreaterThan(byMonth.get(1)! * 1.4);
  });

  it('concentrates sales on a few products and customers (Zipf), and spreads regions unevenly', () => {
    const byProduct = [...totals(batches, (b, i) => b.productId[i]!, lines).values()].sort((a, b) => b - a);
    const top10 = byProduct.slice(0, Math.ceil(byProduct.length / 10)).reduce((s, v) => s + v, 0);
    expect(top10 / ROWS).toBeGreaterThan(0.35);
    const byCustomer = [...totals(batches, (b, i) => b.customerId[i]!, lines).values()].sort((a, b) => b - a);
    expect(byCustomer[0]! / ROWS).toBeGreaterThan(0.03);
    const byRegion = [...totals(batches, (b, i) => b.regionId[i]!, lines).values()].sort((a, b) => b - a);
    expect(byRegion[0]! / byRegion.at(-1)!).toBeGreaterThan(2);
  });

  it('is deterministic in its seed, and two tenants get different catalogues', () => {
    const again = generate('acme');
    expect(again.dims).toEqual(dims);
    expect(Array.from(again.batches[3]!.revenue)).toEqual(Array.from(batches[3]!.revenue));
    const other = generate('globex').dims;
    expect(other.products.map((p) => p.name)).not.toEqual(dims.products.map((p) => p.name));
    expect(new Set(dims.customers.map((c) => c.name)).size).toBe(dims.customers.length);
  });
});
