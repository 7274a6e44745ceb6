import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, problems, systemClock } from '@parley/kit';
import type { IndexEntry } from './index/builder.js';
import { QueryAggregator } from './pipeline/aggregator.js';
import { type LoggedQuery, type PipelineOptions, SuggestPipeline } from './pipeline/pipeline.js';
import { readSnapshot, writeSnapshot } from './pipeline/snapshot.js';
import { Suggester, type SuggesterOptions, type SuggestRequest, type SuggestResponse } from './suggester.js';

export interface SuggestServiceOptions {
  suggester?: Partial<SuggesterOptions>;
  pipeline?: Partial<PipelineOptions>;
  clock?: Clock;
}

interface Tenant {
  suggester: Suggester;
  pipeline: SuggestPipeline;
}

const TENANT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const SNAPSHOT_SUFFIX = '.suggest';

/**
 * Suggestions for many tenants. Each tenant has its own index, query log, blocklist and user
 * histories, reached only through its id, so one tenant's phrases can never surface in another's
 * answers. A tenant that has logged nothing gets empty answers.
 */
export class SuggestService {
  private readonly tenants = new Map<string, Tenant>();
  private readonly options: SuggestServiceOptions;
  private readonly clock: Clock;
  /** Answers for tenants that have nothing yet: always empty, after validating the query. */
  private readonly nobody: Suggester;
  private running = false;

  constructor(options: SuggestServiceOptions = {}) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.nobody = new Suggester(options.suggester, this.clock);
  }

  /** The tenant's suggester, created on first use. */
  tenant(tenantId: string): Tenant {
    let tenant = this.tenants.get(tenantId);
    if (tenant === undefined) {
      if (!TENANT_ID.test(tenantId)) throw problems.badRequest('Invalid tenant id');
      tenant = this.create(new QueryAggregator(this.options.pipeline));
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  suggest(tenantId: string, request: SuggestRequest): SuggestResponse {
    return (this.tenants.get(tenantId)?.suggester ?? this.nobody).suggest(request);
  }

  /** Generation of the tenant's data; answers and cache keys change with it. */
  generation(tenantId: string): number {
    return this.tenants.get(tenantId)?.suggester.generation ?? 0;
  }

  personalizes(tenantId: string, request: Pick<SuggestRequest, 'userId' | 'context'>): boolean {
    return this.tenants.get(tenantId)?.suggester.personalizes(request) ?? false;
  }

  log(tenantId: string, entry: LoggedQuery): void {
    this.tenant(tenantId).pipeline.log(entry);
  }

  /** Seeds or bulk-imports phrases with weights as if asked at `at`, then rebuilds. */
  async load(tenantId: string, entries: Iterable<IndexEntry>, at = this.clock.now()): Promise<void> {
    const { pipeline } = this.tenant(tenantId);
    for (const { text, weight } of entries) pipeline.aggregator.add(text, at, weight);
    await pipeline.rebuild();
  }

  flush(tenantId?: string): void {
    for (const id of tenantId === undefined ? this.tenantIds() : [tenantId])
      this.tenants.get(id)?.pipeline.flush();
  }

  async rebuild(tenantId?: string): Promise<void> {
    for (const id of tenantId === undefined ? this.tenantIds() : [tenantId])
      await this.tenants.get(id)?.pipeline.rebuild();
  }

  /** Starts every tenant's periodic flush and rebuild (and those of tenants created later). */
  start(): void {
    this.running = true;
    for (const { pipeline } of this.tenants.values()) pipeline.start();
  }

  stop(): void {
    this.running = false;
    for (const { pipeline } of this.tenants.values()) pipeline.stop();
  }

  /** Writes one snapshot file per tenant into `dir`. */
  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const [id, { suggester, pipeline }] of this.tenants) {
      await writeSnapshot(join(dir, encodeURIComponent(id) + SNAPSHOT_SUFFIX), {
        index: suggester.main,
        decay: suggester.decay,
        aggregate: pipeline.aggregator.toState(),
        blocklist: suggester.blocklist.rules(),
      });
    }
  }

  /** Loads every tenant snapshot in `dir`, replacing those tenants' state; returns their ids. */
  async restore(dir: string): Promise<string[]> {
    const files = (await readdir(dir)).filter((file) => file.endsWith(SNAPSHOT_SUFFIX));
    const loaded: string[] = [];
    for (const file of files) {
      const id = decodeURIComponent(file.slice(0, -SNAPSHOT_SUFFIX.length));
      if (!TENANT_ID.test(id)) continue;
      const snapshot = await readSnapshot(join(dir, file));
      this.tenants.get(id)?.pipeline.stop();
      const tenant = this.create(QueryAggregator.fromState(snapshot.aggregate, this.options.pipeline));
      for (const term of snapshot.blocklist.terms) tenant.suggester.blocklist.addTerm(term);
      for (const pattern of snapshot.blocklist.patterns) tenant.suggester.blocklist.addPattern(pattern);
      tenant.suggester.replace(snapshot.index, snapshot.decay);
      this.tenants.set(id, tenant);
      loaded.push(id);
    }
    return loaded;
  }

  private create(aggregator: QueryAggregator): Tenant {
    const suggester = new Suggester(this.options.suggester, this.clock);
    const pipeline = new SuggestPipeline(suggester, this.options.pipeline, this.clock, aggregator);
    if (this.running) pipeline.start();
    return { suggester, pipeline };
  }
}
