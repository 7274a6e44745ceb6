import type { Clause } from '../model/clause.js';
import type { Flag, Serve } from '../model/flag.js';
import { WEIGHT_TOTAL } from '../model/limits.js';
import type { Ruleset } from '../model/ruleset.js';
import type { Segment } from '../model/segment.js';
import type { ValidationIssue } from '../validate.js';

export interface FlagdDocument {
  $schema: string;
  flags: Record<string, FlagdFlag>;
}

export interface FlagdFlag {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, unknown>;
  defaultVariant: string;
  targeting?: unknown;
  metadata?: Record<string, string | number | boolean>;
}

export interface FlagdExportOptions {
  /**
   * flagd buckets with its own hash formula, so Unleash-style rollouts and splits cannot keep
   * their users in the same buckets. Set to re-bucket them with `fractional` anyway.
   */
  rebucket?: boolean;
}

export type FlagdExport = { document: FlagdDocument; issues: ValidationIssue[] };

const SCHEMA = 'https://flagd.dev/schema/v0/flags.json';
type Logic = Record<string, unknown>;

/**
 * Parley → flagd. Flags that cannot be expressed so that they evaluate identically (prerequisites,
 * regex, CIDR, case-insensitive matching, date clauses on other attributes than `currentTime`,
 * Unleash bucketing without `rebucket`) are left out and reported with their path.
 * An off flag is exported as ENABLED serving its off variation: flagd's DISABLED means "not found".
 */
export function exportFlagd(ruleset: Ruleset, options: FlagdExportOptions = {}): FlagdExport {
  const segments = new Map(ruleset.segments.map((s) => [s.key, s]));
  const issues: ValidationIssue[] = [];
  const flags: Record<string, FlagdFlag> = {};
  ruleset.flags.forEach((flag, i) => {
    const writer = new Writer(flag, segments, options, `/flags/${i}`);
    const exported = writer.flag();
    if (writer.issues.length) issues.push(...writer.issues);
    else flags[flag.key] = exported;
  });
  return { document: { $schema: SCHEMA, flags }, issues };
}

class Writer {
  readonly issues: ValidationIssue[] = [];
  private readonly names: string[];

  constructor(
    private readonly source: Flag,
    private readonly segments: ReadonlyMap<string, Segment>,
    private readonly options: FlagdExportOptions,
    private readonly path: string,
  ) {
    const used = new Set<string>();
    this.names = source.variations.map((v, i) => {
      let name = v.name ?? String(i);
      while (used.has(name)) name = `${name}-${i}`;
      used.add(name);
      return name;
    });
  }

  flag(): FlagdFlag {
    const flag = this.source;
    const variants = Object.fromEntries(this.names.map((name, i) => [name, flag.variations[i]!.value]));
    const metadata = flag.description ? { metadata: { description: flag.description } } : {};
    if (!flag.on)
      return { state: 'ENABLED', variants, defaultVariant: this.names[flag.offVariation]!, ...metadata };
    if (flag.prerequisites?.length) this.fail('/prerequisites', 'flagd has no prerequisites');
    const fallthrough = this.serve(flag.fallthrough, '/fallthrough');
    const branches: unknown[] = [];
    flag.targets?.forEach((t, i) => {
      branches.push(
        { in: [{ var: t.attribute ?? 'targetingKey' }, t.values] },
        this.names[t.variation] ?? this.fail(`/targets/${i}`, 'bad variation'),
      );
    });
    flag.rules?.forEach((rule, i) => {
      const at = `/rules/${i}`;
      const conditions = rule.clauses.map((c, j) => this.clause(c, `${at}/clauses/${j}`));
      if (rule.rollout && rule.rollout.percentage < 100) {
        if (!this.options.rebucket)
          this.fail(`${at}/rollout`, 'flagd cannot reproduce Unleash bucketing (set rebucket)');
        const gate = this.fractional(rule.rollout.bucketBy, rule.rollout.groupId, [
          ['in', rule.rollout.percentage * 1000],
          ['out', WEIGHT_TOTAL - rule.rollout.percentage * 1000],
        ]);
        conditions.push({ '==': [gate, 'in'] });
      }
      branches.push(
        conditions.length === 0 ? true : { and: conditions },
        this.serve(rule.serve, `${at}/serve`),
      );
    });
    const defaultVariant = typeof fallthrough === 'string' ? fallthrough : this.names[0]!;
    const targeting =
      branches.length === 0
        ? typeof fallthrough === 'string'
          ? undefined
          : fallthrough
        : { if: [...branches, typeof fallthrough === 'string' ? null : fallthrough] };
    return {
      state: 'ENABLED',
      variants,
      defaultVariant,
      ...(targeting !== undefined && { targeting }),
      ...metadata,
    };
  }

  private serve(serve: Serve, at: string): string | Logic {
    if ('variation' in serve) return this.names[serve.variation]!;
    const split = serve.split;
    if ((split.hash ?? 'unleash') !== 'flagd' && !this.options.rebucket)
      this.fail(`${at}/split`, 'flagd cannot reproduce Unleash bucketing (set rebucket)');
    return this.fractional(
      split.bucketBy,
      split.groupId,
      split.variations.map((w) => [this.names[w.variation]!, w.weight]),
    );
  }

  private fractional(
    bucketBy: string[] | undefined,
    groupId: string | undefined,
    buckets: [string, number][],
  ): Logic {
    const attribute = bucketBy?.[0] ?? 'targetingKey';
    if ((bucketBy?.length ?? 1) > 1) this.fail('', 'flagd buckets by one attribute only');
    const prefix = groupId ?? this.source.key;
    const defaultBucketing = attribute === 'targetingKey' && prefix === this.source.key;
    const by = defaultBucketing
      ? []
      : [prefix === '' ? { var: attribute } : { cat: [prefix, { var: attribute }] }];
    return { fractional: [...by, ...buckets] };
  }

  private clause(clause: Clause, at: string): unknown {
    const logic = this.positive(clause, at);
    return clause.negate ? { '!': logic } : logic;
  }

  /** Each translation is false for a missing attribute, matching Parley's clause semantics. */
  private positive(clause: Clause, at: string): unknown {
    const v = { var: clause.attribute };
    if (clause.caseInsensitive)
      this.fail(`${at}/caseInsensitive`, 'flagd has no case-insensitive comparison');
    const any = (parts: unknown[]) => (parts.length === 1 ? parts[0] : { or: parts });
    const present = { '!=': [v, null] };
    switch (clause.op) {
      case 'in':
        return { in: [v, clause.values] };
      case 'notIn':
        return { '!': { in: [v, clause.values] } };
      case 'equals':
        return any(clause.values.map((x) => ({ '==': [v, x] })));
      case 'startsWith':
        return any(clause.values.map((x) => ({ starts_with: [v, x] })));
      case 'endsWith':
        return any(clause.values.map((x) => ({ ends_with: [v, x] })));
      case 'contains':
        return any(clause.values.map((x) => ({ and: [present, { in: [x, v] }] })));
      case 'lessThan':
      case 'lessThanOrEqual':
      case 'greaterThan':
      case 'greaterThanOrEqual': {
        const op = { lessThan: '<', lessThanOrEqual: '<=', greaterThan: '>', greaterThanOrEqual: '>=' }[
          clause.op
        ];
        return any(clause.values.map((x) => ({ and: [present, { [op]: [v, x] }] })));
      }
      case 'semVerEqual':
      case 'semVerLessThan':
      case 'semVerLessThanOrEqual':
      case 'semVerGreaterThan':
      case 'semVerGreaterThanOrEqual': {
        const op = {
          semVerEqual: '=',
          semVerLessThan: '<',
          semVerLessThanOrEqual: '<=',
          semVerGreaterThan: '>',
          semVerGreaterThanOrEqual: '>=',
        }[clause.op];
        return any(clause.values.map((x) => ({ sem_ver: [v, op, x] })));
      }
      case 'before':
      case 'after': {
        if (clause.attribute !== 'currentTime')
          this.fail(at, 'flagd can only compare the evaluation time ($flagd.timestamp)');
        // currentTime (ms) before t ⟺ timestamp (s) < t / 1000 for whole seconds.
        const op = clause.op === 'before' ? '<' : '>';
        return any(clause.values.map((x) => ({ [op]: [{ var: '$flagd.timestamp' }, Number(x) / 1000] })));
      }
      case 'segmentMatch':
        return any(clause.values.map((key) => this.segment(String(key), at)));
      case 'matches':
      case 'cidr':
        this.fail(`${at}/op`, `flagd has no ${clause.op} operator`);
        return false;
    }
  }

  /** Inlines segment membership: included, else not excluded and any rule. */
  private segment(key: string, at: string): unknown {
    const segment = this.segments.get(key);
    if (!segment) {
      this.fail(at, `unknown segment '${key}'`);
      return false;
    }
    const targetingKey = { var: 'targetingKey' };
    const rules = (segment.rules ?? []).map((rule) => ({
      and: rule.clauses.map((c, j) => this.clause(c, `${at}/segment/${key}/${rule.id}/${j}`)),
    }));
    const included = segment.included?.length ? [{ in: [targetingKey, segment.included] }] : [];
    const excluded = segment.excluded?.length ? [{ '!': { in: [targetingKey, segment.excluded] } }] : [];
    return { or: [...included, { and: [...excluded, { or: rules }] }] };
  }

  private fail(at: string, message: string): string {
    this.issues.push({ path: `${this.path}${at}`, message });
    return '';
  }
}
