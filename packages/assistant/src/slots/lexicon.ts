import { DIMENSIONS, type DimensionName, METRICS, type MetricName } from '../semantic/catalog.js';
import { COUNT, parseCount, type Scan } from './scan.js';

/** A regex alternation over phrases (longest first, so "sales volume" wins over "sales") and its lookup. */
class PhraseSet<T extends string> {
  readonly source: string;
  private readonly names = new Map<string, T>();

  constructor(entries: [T, readonly string[]][]) {
    for (const [name, phrases] of entries) for (const phrase of phrases) this.names.set(phrase, name);
    const phrases = [...this.names.keys()].sort((a, b) => b.length - a.length);
    this.source = `(${phrases.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})`;
  }

  name(phrase: string): T | undefined {
    return this.names.get(phrase.replace(/\s+/g, ' '));
  }
}

const METRIC_PHRASES = new PhraseSet<MetricName>(Object.values(METRICS).map((m) => [m.name, m.synonyms]));
const DIMENSION_PHRASES = new PhraseSet<DimensionName>(
  Object.values(DIMENSIONS).map((d) => [d.name, d.synonyms]),
);

const METRIC_PATTERN = new RegExp(`\\b${METRIC_PHRASES.source}\\b`);

/** Metric names mentioned in what is left of the question, in order, each once. */
export function takeMetrics(scan: Scan): MetricName[] {
  const found: MetricName[] = [];
  for (let match = scan.take(METRIC_PATTERN); match; match = scan.take(METRIC_PATTERN)) {
    const name = METRIC_PHRASES.name(match[1]!)!;
    if (!found.includes(name)) found.push(name);
  }
  return found;
}

export interface TopN {
  direction: 'top' | 'bottom';
  /** Absent when the question says "top products" without a number. */
  n?: number;
  dimension?: DimensionName;
}

const TOP_WORDS = ['top', 'best', 'highest', 'largest', 'biggest', 'leading', 'most'];
const BOTTOM_WORDS = ['bottom', 'worst', 'lowest', 'smallest', 'least'];
const RANK = `(${[...TOP_WORDS, ...BOTTOM_WORDS].join('|')})`;
const QUALIFIER = '(?:(?:selling|performing|grossing|profitable|valuable)\\s+)?';
const TOP_N = new RegExp(`\\b${RANK}\\s+(?:${COUNT}\\s+)?${QUALIFIER}${DIMENSION_PHRASES.source}\\b`);
const TOP_COUNT = new RegExp(`\\b${RANK}\\s+${COUNT}\\b`);
const WHICH = new RegExp(`\\b(?:which|what)\\s+${DIMENSION_PHRASES.source}\\b([^?.!]*?)\\b${RANK}\\b`);

const direction = (word: string): TopN['direction'] => (BOTTOM_WORDS.includes(word) ? 'bottom' : 'top');

/** "top 5 products", "bottom 3 regions", "best customers", "which region had the highest revenue". */
export function takeTopN(scan: Scan): TopN | undefined {
  const ranked = scan.find(TOP_N);
  if (ranked) {
    scan.consume(ranked.index, ranked.index + ranked[0].length);
    const dimension = DIMENSION_PHRASES.name(ranked[3]!);
    return {
      direction: direction(ranked[1]!),
      ...(ranked[2] ? { n: parseCount(ranked[2]) } : {}),
      ...(dimension ? { dimension } : {}),
    };
  }
  const which = scan.find(WHICH);
  if (which) {
    // Consume only "which <dimension>" and the ranking word: the words between may hold the metric.
    const rankAt = which.index + which[0].length - which[3]!.length;
    scan.consume(rankAt, which.index + which[0].length);
    scan.consume(which.index, which.index + which[0].length - which[2]!.length - which[3]!.length);
    return { direction: direction(which[3]!), n: 1, dimension: DIMENSION_PHRASES.name(which[1]!)! };
  }
  const counted = scan.take(TOP_COUNT);
  if (counted) return { direction: direction(counted[1]!), n: parseCount(counted[2]!) };
  return undefined;
}

const GROUP_BY = new RegExp(
  `\\b(?:by|per|across|for each|for every|each|every|split by|broken (?:down|out) by|grouped by|breakdown by)\\s+(?:the\\s+|all\\s+|our\\s+)?${DIMENSION_PHRASES.source}((?:\\s*(?:,|and)\\s+${DIMENSION_PHRASES.source})*)\\b`,
);
const TRAILING = new RegExp(`${DIMENSION_PHRASES.source}`, 'g');
const ADJECTIVE_GRAIN = /\b(daily|weekly|monthly|quarterly|yearly|annual)\b/;
const SPLIT_NOUN = new RegExp(`\\b${DIMENSION_PHRASES.source}\\s+(?:breakdown|split|mix)\\b`);
/** Words after "by" that do not name a dimension ("by how much"). */
const NOT_A_DIMENSION = new Set([
  'how',
  'far',
  'much',
  'now',
  'then',
  'end',
  'a',
  'an',
  'the',
  'me',
  'us',
  'email',
]);

/** "by region", "per channel and segment", "for each product", "monthly", "region breakdown". */
export function takeGroupBy(scan: Scan): DimensionName[] {
  const dimensions: DimensionName[] = [];
  const add = (name: DimensionName | undefined) => {
    if (name && !dimensions.includes(name)) dimensions.push(name);
  };
  for (let match = scan.take(GROUP_BY); match; match = scan.take(GROUP_BY)) {
    add(DIMENSION_PHRASES.name(match[1]!));
    for (const more of (match[2] ?? '').matchAll(TRAILING)) add(DIMENSION_PHRASES.name(more[1]!));
  }
  for (let match = scan.take(SPLIT_NOUN); match; match = scan.take(SPLIT_NOUN))
    add(DIMENSION_PHRASES.name(match[1]!));
  const adjective = scan.take(ADJECTIVE_GRAIN);
  if (adjective) add(DIMENSION_PHRASES.name(adjective[1]!));
  return dimensions;
}

const BY_WORD = /\b(?:by|per) (?:the )?(\p{L}+)/u;

/**
 * Words still left after "by"/"per" once dimensions and metrics are read ("by country" when the
 * semantic layer has no country): the planner refuses them instead of silently dropping them.
 */
export function takeUnknownDimensions(scan: Scan): string[] {
  const unknown: string[] = [];
  for (let match = scan.take(BY_WORD); match; match = scan.take(BY_WORD)) {
    if (!NOT_A_DIMENSION.has(match[1]!)) unknown.push(match[1]!);
  }
  return unknown;
}
