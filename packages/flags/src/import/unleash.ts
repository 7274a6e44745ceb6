import { UNLEASH_VARIANT_SEED } from '../evaluate/bucket.js';
import { isRecord } from '../guards.js';
import type { Clause, Operator } from '../model/clause.js';
import type { Flag, Prerequisite, Rule, Serve, Variation } from '../model/flag.js';
import { WEIGHT_TOTAL } from '../model/limits.js';
import type { Segment } from '../model/segment.js';
import { ImportIssues, type ImportResult } from './result.js';

/**
 * Unleash → Parley. Accepts the client API document (`GET /api/client/features`: `features` with
 * `strategies`, plus `segments`) or an admin export (`features`, `featureStrategies`,
 * `featureEnvironments`, `segments`, `dependencies`) for one environment.
 *
 * A feature without variants becomes a boolean flag (Unleash's `isEnabled`). A feature with
 * variants (on the feature or on a strategy) becomes a JSON flag whose value is exactly what
 * Unleash's `getVariant` returns: `{ name, enabled, feature_enabled, payload? }`.
 *
 * Context mapping: Unleash `userId` is the OpenFeature `targetingKey`; `sessionId`,
 * `remoteAddress`, `environment`, `appName`, `currentTime` and custom properties keep their names.
 */
export interface UnleashImportOptions {
  /** For admin exports holding several environments: which one to import. */
  environment?: string;
}

interface UnleashConstraint {
  contextName: string;
  operator: string;
  values?: string[];
  value?: string;
  inverted?: boolean;
  caseInsensitive?: boolean;
}

interface UnleashVariant {
  name: string;
  weight: number;
  stickiness?: string;
  payload?: { type: string; value: string };
  overrides?: { contextName: string; values: string[] }[];
}

interface UnleashStrategy {
  id?: string;
  name: string;
  parameters?: Record<string, unknown>;
  constraints?: UnleashConstraint[];
  segments?: number[];
  variants?: UnleashVariant[];
  disabled?: boolean;
}

interface UnleashFeature {
  name: string;
  description?: string;
  type?: string;
  enabled: boolean;
  strategies: UnleashStrategy[];
  variants?: UnleashVariant[];
  dependencies?: { feature: string; enabled?: boolean; variants?: string[] }[];
}

interface ClientDocument {
  features: UnleashFeature[];
  segments: { id: number; name?: string; constraints?: UnleashConstraint[] }[];
  /** Where each feature came from in the source document, for error paths. */
  paths: Map<string, string>;
}

const OPERATORS: Record<string, Operator> = {
  IN: 'in',
  NOT_IN: 'notIn',
  STR_CONTAINS: 'contains',
  STR_STARTS_WITH: 'startsWith',
  STR_ENDS_WITH: 'endsWith',
  NUM_EQ: 'equals',
  NUM_GT: 'greaterThan',
  NUM_GTE: 'greaterThanOrEqual',
  NUM_LT: 'lessThan',
  NUM_LTE: 'lessThanOrEqual',
  DATE_AFTER: 'after',
  DATE_BEFORE: 'before',
  SEMVER_EQ: 'semVerEqual',
  SEMVER_GT: 'semVerGreaterThan',
  SEMVER_LT: 'semVerLessThan',
};
const SINGLE_VALUE = new Set([
  'NUM_EQ',
  'NUM_GT',
  'NUM_GTE',
  'NUM_LT',
  'NUM_LTE',
  'DATE_AFTER',
  'DATE_BEFORE',
  'SEMVER_EQ',
  'SEMVER_GT',
  'SEMVER_LT',
]);
const STRING_OPERATORS = new Set(['STR_CONTAINS', 'STR_STARTS_WITH', 'STR_ENDS_WITH']);

export function importUnleash(document: unknown, options: UnleashImportOptions = {}): ImportResult {
  const issues = new ImportIssues();
  const client = toClientDocument(document, options, issues);
  if (!client) return issues.result({ flags: [], segments: [] });

  const segments: Segment[] = client.segments.map((s, i) => ({
    key: segmentKey(s.id),
    ...(s.name !== undefined && { name: s.name }),
    rules: [
      { id: 'constraints', clauses: constraints(s.constraints ?? [], `/segments/${i}/constraints`, issues) },
    ],
  }));
  const translated = client.features.map((feature) =>
    translateFeature(feature, client.paths.get(feature.name) ?? '', issues),
  );
  const byName = new Map(translated.map((t) => [t.flag.key, t]));
  // Dependencies need the parent's variations, so they are resolved once every feature exists.
  for (const { flag, dependencies, path } of translated) {
    const prerequisites: Prerequisite[] = [];
    dependencies.forEach((dependency, i) => {
      const parent = byName.get(dependency.feature);
      if (!parent) {
        issues.fail(`${path}/dependencies/${i}/feature`, `unknown parent feature '${dependency.feature}'`);
        return;
      }
      const variations = parentVariations(parent.flag, dependency.enabled ?? true, dependency.variants ?? []);
      if (variations.length === 0)
        issues.fail(
          `${path}/dependencies/${i}/variants`,
          'no variation of the parent satisfies the dependency',
        );
      else prerequisites.push({ key: parent.flag.key, variations });
    });
    if (prerequisites.length) flag.prerequisites = prerequisites;
  }
  return issues.result({ flags: translated.map((t) => t.flag), segments });
}

/** Unleash dependency: the parent is enabled (variation > 0) or not, optionally with one of the variants. */
function parentVariations(parent: Flag, enabled: boolean, variants: string[]): number[] {
  if (!enabled) return [0];
  const indexes = parent.variations.map((_, i) => i).filter((i) => i > 0);
  if (variants.length === 0) return indexes;
  return indexes.filter((i) => i > 1 && variants.includes(String(parent.variations[i]!.name)));
}

function segmentKey(id: number): string {
  return `unleash-segment-${id}`;
}

interface Translated {
  flag: Flag;
  dependencies: NonNullable<UnleashFeature['dependencies']>;
  path: string;
}

function translateFeature(feature: UnleashFeature, path: string, issues: ImportIssues): Translated {
  const strategies = feature.strategies.filter((s) => !s.disabled);
  const hasVariants = Boolean(feature.variants?.length) || strategies.some((s) => s.variants?.length);
  const kind = ['kill-switch', 'permission', 'operational'].includes(feature.type ?? '')
    ? 'permanent'
    : 'temporary';
  const base = {
    key: feature.name,
    ...(feature.description && { description: feature.description }),
    kind,
    on: feature.enabled,
    offVariation: 0,
  } as const;
  const rules: Rule[] = [];
  const conditions = strategies.map((strategy, i) => ({
    strategy,
    index: i,
    ...strategyConditions(strategy, feature.name, `${path}/strategies/${i}`, issues),
  }));

  if (!hasVariants) {
    for (const { strategy, index, clauses, rollout } of conditions)
      rules.push({
        id: strategy.id ?? `strategy-${index}`,
        clauses,
        ...(rollout && { rollout }),
        serve: { variation: 1 },
      });
    const flag: Flag = {
      ...base,
      type: 'boolean',
      variations: [
        { value: false, name: 'disabled' },
        { value: true, name: 'enabled' },
      ],
      rules,
      // Unleash: a feature without strategies is enabled for everyone.
      fallthrough: { variation: strategies.length === 0 ? 1 : 0 },
    };
    return { flag, dependencies: feature.dependencies ?? [], path };
  }

  const variations: Variation[] = [
    { name: 'disabled', value: { name: 'disabled', enabled: false, feature_enabled: false } },
    { name: 'disabled', value: { name: 'disabled', enabled: false, feature_enabled: true } },
  ];
  const indexOf = new Map<string, number>();
  const variationOf = (variant: UnleashVariant): number => {
    const value = {
      name: variant.name,
      enabled: true,
      feature_enabled: true,
      ...(variant.payload && { payload: variant.payload }),
    };
    const id = JSON.stringify(value);
    let index = indexOf.get(id);
    if (index === undefined) {
      index = variations.push({ name: variant.name, value }) - 1;
      indexOf.set(id, index);
    }
    return index;
  };
  const featureVariants = feature.variants ?? [];
  const featureServe = variantServe(featureVariants, feature.name, variationOf, `${path}/variants`, issues);
  const overrideRules = (prefix: Clause[], idPrefix: string): Rule[] =>
    featureVariants.flatMap((variant, v) =>
      (variant.overrides ?? []).map((override, o) => ({
        id: `${idPrefix}-override-${v}-${o}`,
        clauses: [
          ...prefix,
          { attribute: contextAttribute(override.contextName), op: 'in' as const, values: override.values },
        ],
        serve: { variation: variationOf(variant) },
      })),
    );

  for (const { strategy, index, clauses, rollout } of conditions) {
    const id = strategy.id ?? `strategy-${index}`;
    const gate = rollout && { rollout };
    if (strategy.variants?.length) {
      const groupId = stringParameter(strategy.parameters?.groupId) || feature.name;
      const serve = variantServe(
        strategy.variants,
        groupId,
        variationOf,
        `${path}/strategies/${index}/variants`,
        issues,
      );
      rules.push({ id, clauses, ...gate, serve });
      continue;
    }
    // Feature-level variants apply, overrides first; the overrides share the strategy's conditions.
    for (const rule of overrideRules(clauses, id)) rules.push({ ...rule, ...gate });
    rules.push({ id, clauses, ...gate, serve: featureServe });
  }
  const flag: Flag = {
    ...base,
    type: 'json',
    variations,
    rules: strategies.length === 0 ? overrideRules([], 'feature') : rules,
    fallthrough: strategies.length === 0 ? featureServe : { variation: 0 },
  };
  return { flag, dependencies: feature.dependencies ?? [], path };
}

/** Unleash's variant pick: murmur3("<group>:<stickiness>", 86028157) % total weight + 1. */
function variantServe(
  variants: UnleashVariant[],
  groupId: string,
  variationOf: (variant: UnleashVariant) => number,
  path: string,
  issues: ImportIssues,
): Serve {
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  // Without variants (or weight) an enabled feature yields the "disabled" variant with feature_enabled.
  if (total <= 0) return { variation: 1 };
  if (WEIGHT_TOTAL % total !== 0) {
    issues.fail(path, `variant weights sum to ${total}, which does not divide ${WEIGHT_TOTAL}`);
    return { variation: 1 };
  }
  const bucketBy = stickinessAttributes(variants[0]!.stickiness ?? 'default', `${path}/0/stickiness`, issues);
  return {
    split: {
      hash: 'unleash',
      seed: UNLEASH_VARIANT_SEED,
      resolution: total,
      groupId,
      ...(bucketBy && { bucketBy }),
      variations: variants.map((v) => ({
        variation: variationOf(v),
        weight: (v.weight * WEIGHT_TOTAL) / total,
      })),
    },
  };
}

/**
 * Unleash's `default` stickiness is userId, then sessionId, then a random number. The random
 * fallback cannot be reproduced by a deterministic evaluator: such contexts get no bucket.
 */
function stickinessAttributes(stickiness: string, path: string, issues: ImportIssues): string[] | undefined {
  switch (stickiness) {
    case 'default':
      return ['targetingKey', 'sessionId'];
    case 'userId':
      return ['targetingKey'];
    case 'random':
      issues.fail(path, 'random stickiness is not deterministic and cannot be imported');
      return undefined;
    default:
      return [stickiness];
  }
}

function strategyConditions(
  strategy: UnleashStrategy,
  featureName: string,
  path: string,
  issues: ImportIssues,
): { clauses: Clause[]; rollout?: Rule['rollout'] } {
  const clauses = constraints(strategy.constraints ?? [], `${path}/constraints`, issues);
  for (const id of strategy.segments ?? [])
    clauses.push({ attribute: 'segment', op: 'segmentMatch', values: [segmentKey(id)] });
  const parameters = strategy.parameters ?? {};
  const percentage = (name: string): number => {
    const value = Number(parameters[name]);
    if (!Number.isFinite(value) || value < 0 || value > 100)
      issues.fail(`${path}/parameters/${name}`, `'${String(parameters[name])}' is not a percentage`);
    return Math.min(100, Math.max(0, Number.isFinite(value) ? value : 0));
  };
  const groupId = stringParameter(parameters.groupId) || featureName;
  switch (strategy.name) {
    case 'default':
      return { clauses };
    case 'userWithId': {
      const ids = stringParameter(parameters.userIds)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      clauses.push({ attribute: 'targetingKey', op: 'in', values: ids });
      return { clauses };
    }
    case 'remoteAddress': {
      const ips = stringParameter(parameters.IPs)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      clauses.push({ attribute: 'remoteAddress', op: 'cidr', values: ips });
      return { clauses };
    }
    case 'flexibleRollout': {
      const rollout = percentage('rollout');
      const stickiness = stringParameter(parameters.stickiness) || 'default';
      if (stickiness === 'random')
        return randomRollout(rollout, clauses, `${path}/parameters/stickiness`, issues);
      const bucketBy = stickinessAttributes(stickiness, `${path}/parameters/stickiness`, issues);
      return { clauses, rollout: { percentage: rollout, groupId, ...(bucketBy && { bucketBy }) } };
    }
    case 'gradualRolloutUserId':
      return {
        clauses,
        rollout: { percentage: percentage('percentage'), groupId, bucketBy: ['targetingKey'] },
      };
    case 'gradualRolloutSessionId':
      return { clauses, rollout: { percentage: percentage('percentage'), groupId, bucketBy: ['sessionId'] } };
    case 'gradualRolloutRandom':
      return randomRollout(percentage('percentage'), clauses, `${path}/parameters/percentage`, issues);
    default:
      issues.fail(`${path}/name`, `strategy '${strategy.name}' is not supported`);
      return { clauses };
  }
}

/** A random rollout is only deterministic at 0 % (never) and 100 % (always). */
function randomRollout(
  percentage: number,
  clauses: Clause[],
  path: string,
  issues: ImportIssues,
): { clauses: Clause[]; rollout?: Rule['rollout'] } {
  if (percentage !== 0 && percentage !== 100)
    issues.fail(path, `a random rollout of ${percentage} % is not deterministic and cannot be imported`);
  return percentage === 0 ? { clauses, rollout: { percentage: 0 } } : { clauses };
}

function constraints(list: UnleashConstraint[], path: string, issues: ImportIssues): Clause[] {
  const clauses: Clause[] = [];
  list.forEach((c, i) => {
    const op = OPERATORS[c.operator];
    if (!op) {
      issues.fail(`${path}/${i}/operator`, `unknown Unleash operator '${c.operator}'`);
      return;
    }
    const raw = SINGLE_VALUE.has(c.operator) ? (c.value !== undefined ? [c.value] : []) : (c.values ?? []);
    const numeric = c.operator.startsWith('NUM_');
    const values = numeric ? raw.map(Number) : raw;
    // Unleash compares dates against `currentTime` whatever the constraint's context field says.
    const attribute = c.operator.startsWith('DATE_') ? 'currentTime' : contextAttribute(c.contextName);
    clauses.push({
      attribute,
      op,
      values,
      ...(c.inverted && { negate: true }),
      ...(c.caseInsensitive && STRING_OPERATORS.has(c.operator) && { caseInsensitive: true }),
    });
  });
  return clauses;
}

function contextAttribute(contextName: string): string {
  return contextName === 'userId' ? 'targetingKey' : contextName;
}

function stringParameter(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** Normalises both document shapes to the client API's, for one environment. */
function toClientDocument(
  document: unknown,
  options: UnleashImportOptions,
  issues: ImportIssues,
): ClientDocument | undefined {
  if (!isRecord(document) || !Array.isArray(document.features)) {
    issues.fail('/features', 'expected an Unleash document with a features array');
    return undefined;
  }
  const segments = Array.isArray(document.segments) ? (document.segments as ClientDocument['segments']) : [];
  const paths = new Map<string, string>();
  if (!Array.isArray(document.featureStrategies)) {
    const features = document.features as UnleashFeature[];
    features.forEach((f, i) => {
      paths.set(f.name, `/features/${i}`);
    });
    if (!features.every((f) => isRecord(f) && typeof f.name === 'string' && Array.isArray(f.strategies))) {
      issues.fail('/features', 'every feature needs a name and a strategies array');
      return undefined;
    }
    return { features, segments, paths };
  }
  return fromExport(document, segments, options, issues);
}

function fromExport(
  document: Record<string, unknown>,
  segments: ClientDocument['segments'],
  options: UnleashImportOptions,
  issues: ImportIssues,
): ClientDocument | undefined {
  type Env = { featureName: string; environment?: string; enabled: boolean; variants?: UnleashVariant[] };
  type ExportStrategy = UnleashStrategy & { featureName: string; environment?: string; sortOrder?: number };
  const environments = (document.featureEnvironments ?? []) as Env[];
  const names = new Set(environments.map((e) => e.environment).filter(Boolean));
  if (names.size > 1 && !options.environment) {
    issues.fail('/featureEnvironments', `the export holds environments ${[...names].join(', ')}; choose one`);
    return undefined;
  }
  const inEnvironment = (e: { environment?: string }) =>
    !options.environment || e.environment === options.environment;
  segments.forEach((s, i) => {
    if (!Array.isArray(s.constraints))
      issues.fail(
        `/segments/${i}`,
        'the export carries no constraints for this segment; import the client API document',
      );
  });
  const strategies = (document.featureStrategies as ExportStrategy[]).filter(inEnvironment);
  const dependencies = (document.dependencies ?? []) as {
    feature: string;
    dependencies: UnleashFeature['dependencies'];
  }[];
  const paths = new Map<string, string>();
  const features = (document.features as { name: string; description?: string; type?: string }[]).map(
    (f, i) => {
      paths.set(f.name, `/features/${i}`);
      const env = environments.find((e) => e.featureName === f.name && inEnvironment(e));
      return {
        name: f.name,
        ...(f.description && { description: f.description }),
        ...(f.type && { type: f.type }),
        enabled: env?.enabled ?? false,
        variants: env?.variants ?? [],
        strategies: strategies
          .filter((s) => s.featureName === f.name)
          .sort((a, b) => (a.sortOrder ?? 0) - (b.sortOrder ?? 0)),
        dependencies: dependencies.find((d) => d.feature === f.name)?.dependencies ?? [],
      };
    },
  );
  return { features, segments, paths };
}
