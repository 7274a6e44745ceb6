export * from './alertmanager/index.js';
export { BUILD_INFO, type MetricsApiOptions, metricsApi } from './api/plugin.js';
export { Appender } from './appender.js';
export {
  isStaleNaN,
  SAMPLES_PER_CHUNK,
  STALE_NAN_HI,
  STALE_NAN_LO,
  StaleNaN,
  XORChunk,
  XORIterator,
} from './chunkenc/xor.js';
export { metricsConfigSpec } from './config.js';
export { AppendError, Head, type HeadLimits, type HeadOptions } from './head.js';
export { Matcher, type MatchType } from './index/matchers.js';
export { ExpositionError, parseExposition } from './ingest/exposition.js';
export { ingestOtlp, OtlpError } from './ingest/otlp.js';
export {
  appendWriteRequest,
  decodeWriteRequest,
  decompress,
  encodeWriteRequest,
  type MetricMetadata,
  seriesLabels,
  WriteError,
  type WriteRequest,
} from './ingest/remote-write.js';
export {
  type Fetcher,
  type RelabelRule,
  relabel,
  type ScrapeConfig,
  type ScrapeResult,
  Scraper,
  selfScrapeConfig,
} from './ingest/scrape.js';
export {
  type Label,
  type Labels,
  labelsFromRecord,
  labelsKey,
  labelsToRecord,
  validateLabels,
} from './labels.js';
export type * as ast from './promql/ast.js';
export { Engine, type EngineOptions, type RangeQuery } from './promql/engine.js';
export { ParseError, parseExpr } from './promql/parse.js';
export { QueryError, type RangeSeries, type Sample, type Value } from './promql/value.js';
export { MergeQuerier, type Querier, type SeriesData } from './querier.js';
export { DEFAULT_RETENTION, type RetentionPolicy } from './retention.js';
export * from './rules/index.js';
export { Storage, TenantError } from './tenancy.js';
export { Tsdb, type TsdbOptions } from './tsdb.js';
