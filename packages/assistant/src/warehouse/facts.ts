import { mulberry32 } from '../classifier/prng.js';
import type { WarehouseDimensions } from './dimensions.js';

/** Order lines in columns, ready for one bulk insert. Money in cents, dates as epoch days. */
export interface FactBatch {
  length: number;
  orderId: Float64Array;
  line: Int16Array;
  day: Int32Array;
  productId: Int32Array;
  customerId: Int32Array;
  regionId: Int16Array;
  channelId: Int16Array;
  units: Int32Array;
  revenue: Float64Array;
  cost: Float64Array;
}

function emptyBatch(size: number): FactBatch {
  return {
    length: 0,
    orderId: new Float64Array(size),
    line: new Int16Array(size),
    day: new Int32Array(size),
    productId: new Int32Array(size),
    customerId: new Int32Array(size),
    regionId: new Int16Array(size),
    channelId: new Int16Array(size),
    units: new Int32Array(size),
    revenue: new Float64Array(size),
    cost: new Float64Array(size),
  };
}

/** Relative sales by month: a spring bump, a summer lull and the Q4 holiday peak. */
const MONTH_SEASON = [0.84, 0.8, 0.94, 0.97, 1.0, 0.97, 0.9, 0.93, 1.02, 1.06, 1.24, 1.42];
/** Relative sales by weekday, Sunday first. */
const WEEKDAY = [0.68, 1.06, 1.1, 1.1, 1.08, 1.04, 0.86];
/** Year-over-year growth of the whole business. */
const ANNUAL_GROWTH = 0.16;
/** Growth is compounded from a fixed day (2020-01-01) so a refresh continues a seeded history. */
const GROWTH_ANCHOR = 18_262;

/** Per segment: the largest order quantity and a discount range off list price. */
const SEGMENT_TERMS = [
  { maxUnits: 40, discount: [0.12, 0.25] }, // Enterprise
  { maxUnits: 12, discount: [0.05, 0.15] }, // Mid-Market
  { maxUnits: 5, discount: [0.0, 0.08] }, // Small Business
  { maxUnits: 2, discount: [0.0, 0.05] }, // Consumer
  { maxUnits: 20, discount: [0.1, 0.2] }, // Public Sector
] as const;

/** Cumulative weights of a Zipf distribution over `n` ranks (rank 1 most likely). */
function zipfCdf(n: number, exponent: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let rank = 1; rank <= n; rank++) {
    sum += 1 / rank ** exponent;
    cdf[rank - 1] = sum;
  }
  for (let i = 0; i < n; i++) cdf[i]! /= sum;
  return cdf;
}

/** Index of the first cumulative weight above `u` (binary search). */
function sample(cdf: Float64Array, u: number): number {
  let low = 0;
  let high = cdf.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (cdf[mid]! < u) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The calendar weight of a day (epoch days, UTC): season × weekday × compounded growth. */
export function dayWeight(day: number): number {
  const date = new Date(day * 86_400_000);
  const years = (day - GROWTH_ANCHOR) / 365.25;
  return MONTH_SEASON[date.getUTCMonth()]! * WEEKDAY[date.getUTCDay()]! * (1 + ANNUAL_GROWTH) ** years;
}

export interface FactRange {
  /** First day (epoch days, UTC), inclusive. */
  start: number;
  /** Last day, exclusive. */
  end: number;
  /** Order lines to generate over the range. */
  rows: number;
  /** The first order id to use (ids continue after the tenant's existing orders). */
  firstOrderId: number;
}

/**
 * Generates realistic order lines for a tenant's dimensions: lines per day follow season, weekday
 * and growth with daily noise; customers and products follow Zipf laws (a few carry most sales);
 * each customer buys in its own region, through channels its segment prefers, in quantities and at
 * discounts of its segment; product categories drift at their own growth rates.
 */
export class FactGenerator {
  private readonly random: () => number;
  private readonly customerCdf: Float64Array;
  private readonly productCdf: Float64Array;
  /** Channel choice per segment. */
  private readonly channelCdf: Float64Array[];
  /** Yearly growth of each category's share. */
  private readonly categoryGrowth: number[];

  constructor(
    private readonly dims: WarehouseDimensions,
    seed: number,
  ) {
    this.random = mulberry32(seed);
    this.customerCdf = zipfCdf(dims.customers.length, 1.05);
    this.productCdf = zipfCdf(dims.products.length, 1.1);
    this.channelCdf = dims.segments.map((_, segment) => {
      const weights = dims.channels.map(
        (__, channel) => this.random() ** 2 + (channel === segment % dims.channels.length ? 1.2 : 0),
      );
      let sum = 0;
      const cdf = new Float64Array(weights.length);
      weights.forEach((w, i) => {
        sum += w;
        cdf[i] = sum;
      });
      for (let i = 0; i < cdf.length; i++) cdf[i]! /= sum;
      return cdf;
    });
    this.categoryGrowth = dims.categories.map(() => -0.12 + this.random() * 0.45);
  }

  /** Lines per day over the range: proportional to the calendar weight with ±10 % noise, summing to `rows`. */
  private quotas(range: FactRange): Float64Array {
    const days = range.end - range.start;
    const weights = new Float64Array(days);
    let sum = 0;
    for (let i = 0; i < days; i++) {
      weights[i] = dayWeight(range.start + i) * (0.9 + 0.2 * this.random());
      sum += weights[i]!;
    }
    for (let i = 0; i < days; i++) weights[i] = (weights[i]! / sum) * range.rows;
    return weights;
  }

  /** The range's order lines, `batchSize` at a time; exactly `range.rows` in all. */
  *batches(range: FactRange, batchSize: number): Generator<FactBatch> {
    const quotas = this.quotas(range);
    let batch = emptyBatch(batchSize);
    let orderId = range.firstOrderId;
    let produced = 0;
    let due = 0;
    for (let i = 0; i < quotas.length; i++) {
      const day = range.start + i;
      due += quotas[i]!;
      const acceptance = this.categoryAcceptance(day);
      const target = i === quotas.length - 1 ? range.rows : Math.round(due);
      while (produced < target) {
        const lines = Math.min(target - produced, this.lineCount());
        const customer = this.dims.customers[sample(this.customerCdf, this.random())]!;
        const channelId = 1 + sample(this.channelCdf[customer.segmentId - 1]!, this.random());
        const terms = SEGMENT_TERMS[(customer.segmentId - 1) % SEGMENT_TERMS.length]!;
        const discount = terms.discount[0] + (terms.discount[1] - terms.discount[0]) * this.random();
        for (let line = 1; line <= lines; line++) {
          const product = this.pickProduct(acceptance);
          const units = Math.max(1, Math.floor(Math.exp(this.random() * Math.log(terms.maxUnits + 1))));
          const at = batch.length++;
          batch.orderId[at] = orderId;
          batch.line[at] = line;
          batch.day[at] = day;
          batch.productId[at] = product.id;
          batch.customerId[at] = customer.id;
          batch.regionId[at] = customer.regionId;
          batch.channelId[at] = channelId;
          batch.units[at] = units;
          batch.revenue[at] = Math.round(units * product.listPrice * (1 - discount));
          batch.cost[at] = units * product.unitCost;
          if (batch.length === batchSize) {
            yield batch;
            batch = emptyBatch(batchSize);
          }
        }
        produced += lines;
        orderId++;
      }
    }
    if (batch.length > 0) yield batch;
  }

  /** 1 to 6 lines per order, most orders small. */
  private lineCount(): number {
    let lines = 1;
    while (lines < 6 && this.random() < 0.45) lines++;
    return lines;
  }

  /** Per category, the chance a drawn product is kept on this day: shares drift with category growth. */
  private categoryAcceptance(day: number): number[] {
    const years = (day - GROWTH_ANCHOR) / 365.25;
    const factors = this.categoryGrowth.map((g) => (1 + g) ** years);
    const highest = Math.max(...factors);
    return factors.map((f) => f / highest);
  }

  private pickProduct(acceptance: number[]) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const product = this.dims.products[sample(this.productCdf, this.random())]!;
      if (this.random() < acceptance[product.categoryId - 1]!) return product;
    }
    return this.dims.products[sample(this.productCdf, this.random())]!;
  }
}
