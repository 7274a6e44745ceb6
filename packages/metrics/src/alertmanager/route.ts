/**
 * The routing tree (Alertmanager's dispatch/route.go): an alert walks down from the root; at each
 * level the first matching child takes it unless that child has `continue: true`, and a route
 * whose children all miss takes the alert itself. Children inherit receiver, group_by and timings.
 */
import { DEFAULTS, type RouteConfig } from './config.js';
import { type LabelSet, labelSetString } from './fingerprint.js';
import { type Matcher, matcherString, matchesAll } from './matchers.js';

export interface RouteOptions {
  receiver: string;
  groupBy: ReadonlySet<string> | 'all';
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

export class Route {
  readonly options: RouteOptions;
  readonly matchers: readonly Matcher[];
  readonly continue: boolean;
  readonly routes: Route[];
  /** Alertmanager's route key: the parent's key, `/`, then this route's matchers: `{}/{severity="page"}`. */
  readonly key: string;
  /** Position in the tree (`0.1.0`): unique even when two routes have the same matchers. */
  readonly id: string;

  constructor(config: RouteConfig, parent?: Route, index = 0) {
    const inherited = parent?.options;
    this.options = {
      receiver: config.receiver ?? inherited!.receiver,
      groupBy:
        config.groupBy === undefined
          ? (inherited?.groupBy ?? new Set())
          : config.groupBy === 'all'
            ? 'all'
            : new Set(config.groupBy),
      groupWaitMs: config.groupWaitMs ?? inherited?.groupWaitMs ?? DEFAULTS.groupWaitMs,
      groupIntervalMs: config.groupIntervalMs ?? inherited?.groupIntervalMs ?? DEFAULTS.groupIntervalMs,
      repeatIntervalMs: config.repeatIntervalMs ?? inherited?.repeatIntervalMs ?? DEFAULTS.repeatIntervalMs,
    };
    this.matchers = config.matchers;
    this.continue = config.continue;
    const own = `{${this.matchers.map(matcherString).join(',')}}`;
    this.key = parent ? `${parent.key}/${own}` : own;
    this.id = parent ? `${parent.id}.${index}` : '0';
    this.routes = config.routes.map((child, i) => new Route(child, this, i));
  }

  /** Every route that takes the alert, in tree order. */
  match(labels: LabelSet): Route[] {
    if (!matchesAll(this.matchers, labels)) return [];
    const all: Route[] = [];
    for (const child of this.routes) {
      const matches = child.match(labels);
      all.push(...matches);
      if (matches.length > 0 && !child.continue) break;
    }
    if (all.length === 0) all.push(this);
    return all;
  }

  /** The labels an alert is grouped by on this route (absent labels are left out). */
  groupLabels(labels: LabelSet): Record<string, string> {
    if (this.options.groupBy === 'all') return { ...labels };
    const out: Record<string, string> = {};
    for (const name of this.options.groupBy) if (labels[name] !== undefined) out[name] = labels[name];
    return out;
  }

  /** Alertmanager's group key: `<route key>:<group labels>`, the `groupKey` of a webhook message. */
  groupKey(groupLabels: LabelSet): string {
    return `${this.key}:${labelSetString(groupLabels)}`;
  }

  *walk(): Generator<Route> {
    yield this;
    for (const child of this.routes) yield* child.walk();
  }
}
