/**
 * The semantic layer as data: the metrics and dimensions a question may use, with the words people
 * use for them. Query plans are built only from these names, so a question can never name a table,
 * a column or SQL; compilation to SQL maps each name to its expression once the warehouse schema
 * exists.
 */

export const TIME_GRAINS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type TimeGrain = (typeof TIME_GRAINS)[number];

export const METRIC_NAMES = [
  'revenue',
  'units',
  'orders',
  'average_order_value',
  'margin',
  'growth',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const ATTRIBUTE_DIMENSIONS = [
  'region',
  'product',
  'category',
  'channel',
  'segment',
  'customer',
] as const;
export type AttributeDimension = (typeof ATTRIBUTE_DIMENSIONS)[number];
export type DimensionName = AttributeDimension | TimeGrain;

export interface MetricDefinition {
  name: MetricName;
  label: string;
  /** How the metric is computed; `ratio` and `growth` are derived from other metrics. */
  aggregation: 'sum' | 'count_distinct' | 'ratio' | 'growth';
  /** For sums and distinct counts: the fact measure; for ratios: numerator and denominator metrics. */
  measure?: string;
  ratio?: { numerator: MetricName; denominator: MetricName };
  unit: 'currency' | 'count' | 'percent';
  /** Lower-case phrases that name the metric in a question. */
  synonyms: readonly string[];
}

export interface DimensionDefinition {
  name: DimensionName;
  label: string;
  kind: 'time' | 'attribute';
  /** Only answered at the `customer` detail level (needs `sales:query_detail`). */
  detail: boolean;
  synonyms: readonly string[];
}

export const METRICS: Record<MetricName, MetricDefinition> = {
  revenue: {
    name: 'revenue',
    label: 'Revenue',
    aggregation: 'sum',
    measure: 'net_amount',
    unit: 'currency',
    synonyms: [
      'revenue',
      'revenues',
      'sales',
      'turnover',
      'net sales',
      'gross revenue',
      'income',
      'takings',
      'top line',
    ],
  },
  units: {
    name: 'units',
    label: 'Units sold',
    aggregation: 'sum',
    measure: 'quantity',
    unit: 'count',
    synonyms: ['units', 'units sold', 'unit sales', 'items sold', 'quantity', 'volume', 'sales volume'],
  },
  orders: {
    name: 'orders',
    label: 'Orders',
    aggregation: 'count_distinct',
    measure: 'order_id',
    unit: 'count',
    synonyms: ['orders', 'order count', 'number of orders', 'transactions', 'purchases'],
  },
  average_order_value: {
    name: 'average_order_value',
    label: 'Average order value',
    aggregation: 'ratio',
    ratio: { numerator: 'revenue', denominator: 'orders' },
    unit: 'currency',
    synonyms: [
      'average order value',
      'aov',
      'avg order value',
      'basket size',
      'average basket',
      'revenue per order',
    ],
  },
  margin: {
    name: 'margin',
    label: 'Gross margin',
    aggregation: 'sum',
    measure: 'gross_margin',
    unit: 'currency',
    synonyms: ['margin', 'margins', 'gross margin', 'profit', 'gross profit'],
  },
  growth: {
    name: 'growth',
    label: 'Growth',
    aggregation: 'growth',
    unit: 'percent',
    synonyms: ['growth', 'growth rate', 'grow', 'grew', 'growing'],
  },
};

export const DIMENSIONS: Record<DimensionName, DimensionDefinition> = {
  day: { name: 'day', label: 'Day', kind: 'time', detail: false, synonyms: ['day', 'days', 'daily'] },
  week: { name: 'week', label: 'Week', kind: 'time', detail: false, synonyms: ['week', 'weeks', 'weekly'] },
  month: {
    name: 'month',
    label: 'Month',
    kind: 'time',
    detail: false,
    synonyms: ['month', 'months', 'monthly'],
  },
  quarter: {
    name: 'quarter',
    label: 'Quarter',
    kind: 'time',
    detail: false,
    synonyms: ['quarter', 'quarters', 'quarterly'],
  },
  year: {
    name: 'year',
    label: 'Year',
    kind: 'time',
    detail: false,
    synonyms: ['year', 'years', 'yearly', 'annual'],
  },
  region: {
    name: 'region',
    label: 'Region',
    kind: 'attribute',
    detail: false,
    synonyms: ['region', 'regions', 'area', 'areas', 'geography', 'geo', 'territory', 'territories'],
  },
  product: {
    name: 'product',
    label: 'Product',
    kind: 'attribute',
    detail: false,
    synonyms: ['product', 'products', 'item', 'items', 'sku', 'skus'],
  },
  category: {
    name: 'category',
    label: 'Category',
    kind: 'attribute',
    detail: false,
    synonyms: [
      'category',
      'categories',
      'product category',
      'product categories',
      'product line',
      'product lines',
    ],
  },
  channel: {
    name: 'channel',
    label: 'Channel',
    kind: 'attribute',
    detail: false,
    synonyms: ['channel', 'channels', 'sales channel', 'sales channels'],
  },
  segment: {
    name: 'segment',
    label: 'Segment',
    kind: 'attribute',
    detail: false,
    synonyms: ['segment', 'segments', 'customer segment', 'customer segments'],
  },
  customer: {
    name: 'customer',
    label: 'Customer',
    kind: 'attribute',
    detail: true,
    synonyms: ['customer', 'customers', 'client', 'clients', 'account', 'accounts', 'buyer', 'buyers'],
  },
};

export function isMetricName(value: string): value is MetricName {
  return (METRIC_NAMES as readonly string[]).includes(value);
}

export function isDimensionName(value: string): value is DimensionName {
  return value in DIMENSIONS;
}

export function isTimeGrain(value: string): value is TimeGrain {
  return (TIME_GRAINS as readonly string[]).includes(value);
}
