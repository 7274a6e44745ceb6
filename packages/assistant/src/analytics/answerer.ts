import type { Db } from '@parley/db';
import { type Clock, type Logger, systemClock } from '@parley/kit';
import type { Redis } from 'ioredis';
import { clarifyingQuestion } from '../classifier/clarify.js';
import { type IntentClassifier, loadClassifier } from '../classifier/classifier.js';
import type { Intent } from '../classifier/intents.js';
import type { ModelVersion } from '../classifier/model.js';
import type { VegaLiteSpec } from '../narrative/chart.js';
import type { AnalysisResult } from '../narrative/results.js';
import { ANALYTICS_INTENTS, type AnalyticsIntent, PlanError, type QueryPlan } from '../semantic/plan.js';
import { planQuery, requiredPermissions } from '../semantic/planner.js';
import { extractSlots, type Slots } from '../slots/extract.js';
import { isFollowUp, mergeSlots } from '../slots/follow-up.js';
import { AnswerCache, type AnswerCacheOptions } from './cache.js';
import type { AnswerTable } from './present.js';
import {
  ADMIN_TEXT,
  denialText,
  HELP_TEXT,
  NO_DATA_TEXT,
  OUT_OF_SCOPE_TEXT,
  REPORT_TEXT,
  WORKFLOW_TEXT,
} from './replies.js';
import { SalesWarehouse } from './warehouse-service.js';

export type AnswerKind = 'answer' | 'clarify' | 'denied' | 'help' | 'out_of_scope' | 'task_required';

export interface Answer {
  kind: AnswerKind;
  text: string;
  intent: Intent | 'needs_clarification';
  confidence: number;
  classifierVersion: ModelVersion;
  table?: AnswerTable;
  chart?: VegaLiteSpec;
  plan?: QueryPlan;
  /** The warehouse data version the numbers come from. */
  dataVersion?: number;
  /** For `answer`: the computed numbers, for a language model to narrate (never to recompute). */
  analysis?: AnalysisResult;
  /** For `denied`: the permissions the question needed and the caller lacks. */
  missingPermissions?: string[];
  /** A follow-up ("and by region?") answered in the context of an earlier question: that question. */
  followUpOf?: string;
}

/** An earlier question of the conversation branch and the intent its answer was given. */
export interface Turn {
  question: string;
  intent: string;
}

export interface AnswerRequest {
  tenantId: string;
  permissions: ReadonlySet<string> | readonly string[];
  question: string;
  /** The caller's "now" (ms since epoch): relative dates ("last quarter") are resolved against it. */
  now?: number;
  /** Who asked, for the audit record of a denial. */
  subject?: string;
  /** The earlier questions of this conversation branch, oldest first: a follow-up continues them. */
  history?: readonly Turn[];
}

/** A refused question, for the audit log. */
export interface DenialEvent {
  tenantId: string;
  subject?: string;
  intent: AnalyticsIntent;
  missing: string[];
  detailLevel: QueryPlan['detailLevel'];
}

export interface AnswererOptions {
  db: Db;
  /** Shared Redis for the L2 cache, stampede locks and version announcements. */
  redis?: Redis;
  /** The serving classifier: v2 unless configuration says otherwise. */
  classifierVersion?: ModelVersion;
  /**
   * Picks the classifier for one request (the server asks a feature flag, so a new model can be
   * rolled out by tenant or percentage); `classifierVersion` when absent.
   */
  chooseClassifier?(request: AnswerRequest): Promise<ModelVersion>;
  /** Overrides the classifier's confidence threshold. */
  threshold?: number;
  cache?: Omit<AnswerCacheOptions, 'redis' | 'logger'>;
  clock?: Clock;
  logger?: Logger;
  /** Records refused questions (the server passes the audit log). */
  onDenied?(event: DenialEvent): Promise<void> | void;
}

/**
 * The assistant's fast path: classify the question, and for sales questions extract slots with the
 * tenant's own gazetteer, plan with the semantic layer, check the caller's permissions for the
 * plan's intent and detail level, compute (cached per tenant and data version) and present numbers,
 * a table, a chart and the built-in analyst's narrative. Every other intent gets a fixed, honest
 * reply; nothing here ever writes SQL from the question or calls a language model.
 */
export class Answerer {
  private readonly classifiers = new Map<ModelVersion, IntentClassifier>();
  private readonly defaultVersion: ModelVersion;
  private readonly chooseClassifier: AnswererOptions['chooseClassifier'];
  private readonly threshold: number | undefined;
  readonly warehouse: SalesWarehouse;
  readonly cache: AnswerCache;
  private readonly clock: Clock;
  private readonly onDenied: AnswererOptions['onDenied'];
  private readonly logger: Logger | undefined;

  constructor(options: AnswererOptions) {
    this.defaultVersion = options.classifierVersion ?? 'v2';
    this.chooseClassifier = options.chooseClassifier;
    this.threshold = options.threshold;
    this.classifier(this.defaultVersion);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.cache = new AnswerCache({
      ...options.cache,
      ...(options.redis ? { redis: options.redis } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.warehouse = new SalesWarehouse(options.db, this.cache, this.clock);
    this.onDenied = options.onDenied;
  }

  /** Starts listening for data version announcements of other processes. */
  start(): Promise<void> {
    return this.cache.start();
  }

  close(): Promise<void> {
    return this.cache.close();
  }

  /** Both versions ship; each is loaded once, on first use. */
  private classifier(version: ModelVersion): IntentClassifier {
    let classifier = this.classifiers.get(version);
    if (!classifier) {
      classifier = loadClassifier(version, this.threshold !== undefined ? { threshold: this.threshold } : {});
      this.classifiers.set(version, classifier);
    }
    return classifier;
  }

  async answer(request: AnswerRequest): Promise<Answer> {
    const version = this.chooseClassifier ? await this.chooseClassifier(request) : this.defaultVersion;
    const routed = this.classifier(version).classify(request.question);
    const base = { intent: routed.intent, confidence: routed.confidence, classifierVersion: routed.version };
    // "and by region?" continues the branch's last sales question, whatever the classifier makes of it.
    const context = isFollowUp(request.question) ? lastAnalyticsTurn(request.history) : undefined;
    const followed = context && (await this.analyse(request, context.intent as AnalyticsIntent, true));
    if (followed) return { ...base, ...followed };
    switch (routed.intent) {
      case 'needs_clarification':
        return { ...base, kind: 'clarify', text: clarifyingQuestion(routed)! };
      case 'help_smalltalk':
        return { ...base, kind: 'help', text: HELP_TEXT };
      case 'admin_request':
        return { ...base, kind: 'help', text: ADMIN_TEXT };
      case 'out_of_scope':
        return { ...base, kind: 'out_of_scope', text: OUT_OF_SCOPE_TEXT };
      case 'workflow_action':
        return { ...base, kind: 'task_required', text: WORKFLOW_TEXT };
    }
    const intent: AnalyticsIntent = routed.intent;
    if (!ANALYTICS_INTENTS.includes(intent))
      return { ...base, kind: 'out_of_scope', text: OUT_OF_SCOPE_TEXT };
    return { ...base, ...(await this.analyse(request, intent)) };
  }

  /**
   * Answers a sales question. As a follow-up (`followUp`), the question is read in the context of
   * the branch's earlier questions; one that names nothing the semantic layer knows ("and the
   * weather?") is not a follow-up after all (undefined: the classifier's intent decides).
   */
  private async analyse(
    request: AnswerRequest,
    asked: AnalyticsIntent,
    followUp: true,
  ): Promise<Omit<Answer, 'confidence' | 'classifierVersion'> | undefined>;
  private async analyse(
    request: AnswerRequest,
    asked: AnalyticsIntent,
  ): Promise<Omit<Answer, 'confidence' | 'classifierVersion'>>;
  private async analyse(
    request: AnswerRequest,
    asked: AnalyticsIntent,
    followUp = false,
  ): Promise<Omit<Answer, 'confidence' | 'classifierVersion'> | undefined> {
    const { tenantId } = request;
    const now = request.now ?? this.clock.now();
    const dataVersion = await this.warehouse.version(tenantId);
    if (dataVersion === 0) return { intent: asked, kind: 'answer', text: NO_DATA_TEXT, dataVersion };
    const gazetteer = await this.warehouse.gazetteer(tenantId, dataVersion);
    const slotsOf = (question: string) => extractSlots(question, { clock: { now: () => now }, gazetteer });
    let slots = slotsOf(request.question);
    let intent = asked;
    let followUpOf: string | undefined;
    if (followUp) {
      const context = contextOf(request.history, slotsOf);
      if (!context || !namesAnything(slots)) return undefined;
      slots = mergeSlots(context.slots, slots);
      // "revenue last quarter" → "and by region?" is a breakdown now.
      intent =
        context.intent === 'metric_query' && slots.dimensions.length > 0 ? 'breakdown' : context.intent;
      followUpOf = context.question;
    }
    const result = await this.analysePlan(request, intent, slots, now, dataVersion);
    return { intent, ...result, ...(followUpOf ? { followUpOf } : {}) };
  }

  private async analysePlan(
    request: AnswerRequest,
    intent: AnalyticsIntent,
    slots: Slots,
    now: number,
    dataVersion: number,
  ): Promise<Omit<Answer, 'intent' | 'confidence' | 'classifierVersion'>> {
    const { tenantId } = request;
    let plan: QueryPlan;
    try {
      plan = planQuery(intent, slots, now);
    } catch (error) {
      if (error instanceof PlanError)
        return { kind: 'clarify', text: `I cannot answer that as asked: ${error.message}.` };
      throw error;
    }
    const held = request.permissions instanceof Set ? request.permissions : new Set(request.permissions);
    const missing = requiredPermissions(plan).filter((p) => !held.has(p));
    if (missing.length > 0) {
      await this.recordDenial({
        tenantId,
        ...(request.subject ? { subject: request.subject } : {}),
        intent,
        missing,
        detailLevel: plan.detailLevel,
      });
      return { kind: 'denied', text: denialText(missing), plan, missingPermissions: missing };
    }
    if (intent === 'report_request') return { kind: 'task_required', text: REPORT_TEXT, plan, dataVersion };
    const { value } = await this.warehouse.presentation(tenantId, dataVersion, plan);
    return { kind: 'answer', ...value, plan, dataVersion };
  }

  /** A failed audit write is logged; the question stays refused either way. */
  private async recordDenial(event: DenialEvent): Promise<void> {
    try {
      await this.onDenied?.(event);
    } catch (error) {
      this.logger?.error({ err: (error as Error).message }, 'assistant: recording a denial failed');
    }
  }
}

const isAnalyticsIntent = (intent: string): intent is AnalyticsIntent =>
  (ANALYTICS_INTENTS as readonly string[]).includes(intent);

/** The branch's last sales question, if any (other turns, such as help, do not break a thread). */
function lastAnalyticsTurn(history: readonly Turn[] | undefined): Turn | undefined {
  return history?.findLast((turn) => isAnalyticsIntent(turn.intent));
}

/** How many earlier questions a follow-up may reach back through. */
const MAX_TURNS = 10;

/**
 * The slots a follow-up continues: the branch's sales questions folded oldest first, each
 * follow-up merged into the thread before it and any other question starting a new thread.
 */
function contextOf(
  history: readonly Turn[] | undefined,
  slotsOf: (question: string) => Slots,
): { slots: Slots; intent: AnalyticsIntent; question: string } | undefined {
  let context: { slots: Slots; intent: AnalyticsIntent; question: string } | undefined;
  for (const turn of (history ?? []).slice(-MAX_TURNS)) {
    if (!isAnalyticsIntent(turn.intent)) continue;
    const slots = slotsOf(turn.question);
    context =
      context && isFollowUp(turn.question)
        ? { slots: mergeSlots(context.slots, slots), intent: turn.intent, question: context.question }
        : { slots, intent: turn.intent, question: turn.question };
  }
  return context;
}

function namesAnything(slots: Slots): boolean {
  return (
    slots.time !== undefined ||
    slots.comparison !== undefined ||
    slots.topN !== undefined ||
    slots.metrics.length + slots.dimensions.length + slots.values.length + slots.unknownDimensions.length > 0
  );
}
