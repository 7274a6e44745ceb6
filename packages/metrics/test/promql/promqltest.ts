/**
 * A small reimplementation of Prometheus's promqltest language:
 *
 *   load 5m
 *     metric{label="a"} 0+10x10 _ stale 5
 *   eval instant at 10m rate(metric[5m])
 *     {label="a"} 0.0333
 *   eval range from 0 to 10m step 5m metric
 *     metric{label="a"} 0 10 20
 *   eval_fail instant at 0m foo{
 *   eval_ordered instant at 10m sort(metric)
 *   clear
 *
 * Each `eval` becomes one case; `run` returns them so the vitest file makes one test per case.
 */
import { STALE_NAN_HI, STALE_NAN_LO } from '../../src/chunkenc/xor.js';
import { Head } from '../../src/head.js';
import { type Labels, labelsFromRecord, labelsKey, METRIC_NAME } from '../../src/labels.js';
import { Engine } from '../../src/promql/engine.js';
import { parseDuration } from '../../src/promql/lexical.js';
import { MergeQuerier } from '../../src/querier.js';

export interface Case {
  name: string;
  line: number;
  run(): void;
}

interface Expected {
  labels: Labels | undefined;
  values: (number | undefined | typeof STALE)[];
}

const EPSILON = 1e-6;

function duration(text: string): number {
  const d = text === '0' ? 0 : parseDuration(text);
  if (d === undefined) throw new Error(`bad duration ${text}`);
  return d;
}

/** Marks a staleness marker; a JS array would not keep the marker's NaN bit pattern. */
const STALE = 'stale';

/** Expands `1 2 _ stale 0+10x3 5-1x2 3x2` into values (undefined = missing). */
export function expandValues(text: string): (number | undefined | typeof STALE)[] {
  const out: (number | undefined | typeof STALE)[] = [];
  for (const tok of text.trim().split(/\s+/).filter(Boolean)) {
    if (tok === '_') {
      out.push(undefined);
      continue;
    }
    if (tok === 'stale') {
      out.push(STALE);
      continue;
    }
    const m = /^([-+]?[^x+-]+(?:e[-+]?\d+)?)(?:([-+])([^x]+))?x(\d+)$/.exec(tok);
    if (m) {
      const start = parseValue(m[1]!);
      const step = m[2] ? (m[2] === '-' ? -1 : 1) * parseValue(m[3]!) : 0;
      const times = Number(m[4]);
      for (let i = 0; i <= times; i++) out.push(start + step * i);
      continue;
    }
    const blank = /^_x(\d+)$/.exec(tok);
    if (blank) {
      for (let i = 0; i < Number(blank[1]); i++) out.push(undefined);
      continue;
    }
    out.push(parseValue(tok));
  }
  return out;
}

function parseValue(tok: string): number {
  const t = tok.toLowerCase();
  if (t === 'nan') return Number.NaN;
  if (t === 'inf' || t === '+inf') return Number.POSITIVE_INFINITY;
  if (t === '-inf') return Number.NEGATIVE_INFINITY;
  const v = Number(tok);
  if (Number.isNaN(v)) throw new Error(`bad value ${tok}`);
  return v;
}

/** `name{a="b", c="d"} rest` → labels and the rest of the line. */
function parseSeries(line: string): { labels: Labels; rest: string } {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?(\{[^}]*\})?\s*(.*)$/.exec(line.trim());
  if (!m) throw new Error(`bad series line: ${line}`);
  const record: Record<string, string> = {};
  if (m[1]) record[METRIC_NAME] = m[1];
  if (m[2]) {
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;
    for (let lm = re.exec(m[2]); lm; lm = re.exec(m[2])) record[lm[1]!] = JSON.parse(`"${lm[2]!}"`);
  }
  return { labels: labelsFromRecord(record), rest: m[3]! };
}

function sameValue(want: number, got: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (want === got) return true;
  if (!Number.isFinite(want) || !Number.isFinite(got)) return false;
  return Math.abs(want - got) <= EPSILON * Math.max(1, Math.abs(want));
}

export function parseTestFile(source: string, file: string): Case[] {
  const lines = source.split('\n');
  const cases: Case[] = [];
  let head = new Head({ outOfOrderWindowMs: Number.MAX_SAFE_INTEGER });
  const engine = new Engine();
  let i = 0;
  const body = (): { text: string; line: number }[] => {
    const out: { text: string; line: number }[] = [];
    while (i + 1 < lines.length && /^\s+\S/.test(lines[i + 1]!) && !lines[i + 1]!.trim().startsWith('#')) {
      i++;
      out.push({ text: lines[i]!.trim(), line: i + 1 });
    }
    return out;
  };
  for (; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const lineNo = i + 1;
    if (line === 'clear') {
      head = new Head({ outOfOrderWindowMs: Number.MAX_SAFE_INTEGER });
      continue;
    }
    const load = /^load\s+(\S+)$/.exec(line);
    if (load) {
      const interval = duration(load[1]!);
      for (const { text } of body()) {
        const { labels, rest } = parseSeries(text);
        const { ref } = head.getOrCreate(labels, labelsKey(labels));
        expandValues(rest).forEach((v, k) => {
          if (v === STALE) head.appendBits(ref, k * interval, STALE_NAN_HI, STALE_NAN_LO);
          else if (v !== undefined) head.append(ref, k * interval, v);
        });
      }
      continue;
    }
    const ev =
      /^eval(_fail|_ordered)?\s+(?:instant\s+at\s+(\S+)|range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+))\s+(.+)$/.exec(
        line,
      );
    if (!ev) throw new Error(`${file}:${lineNo}: cannot parse: ${line}`);
    const [, mode, at, from, to, step, query] = ev;
    const expected: Expected[] = body().map(({ text }) => {
      if (/^[-+]?[\d.]|^NaN$|^[-+]?Inf$/i.test(text))
        return { labels: undefined, values: expandValues(text) };
      const { labels, rest } = parseSeries(text);
      return { labels, values: expandValues(rest) };
    });
    const querier = new MergeQuerier([head]);
    cases.push({
      name: `${file}:${lineNo} ${query}`,
      line: lineNo,
      run: () => {
        const exec = () =>
          at !== undefined
            ? engine.instantQuery(querier, query!, duration(at))
            : engine.rangeQuery(querier, query!, {
                start: duration(from!),
                end: duration(to!),
                step: duration(step!),
              });
        if (mode === '_fail') {
          let failed = false;
          try {
            exec();
          } catch {
            failed = true;
          }
          if (!failed) throw new Error(`expected ${query} to fail`);
          return;
        }
        compare(exec(), expected, mode === '_ordered');
      },
    });
  }
  return cases;
}

type Result = ReturnType<Engine['instantQuery']> | ReturnType<Engine['rangeQuery']>;

function compare(result: Result, expected: Expected[], ordered: boolean): void {
  let got: { labels: Labels | undefined; values: number[] }[];
  if (Array.isArray(result)) got = result.map((s) => ({ labels: s.labels, values: Array.from(s.v) }));
  else if (result.type === 'scalar') got = [{ labels: undefined, values: [result.v] }];
  else if (result.type === 'vector') got = result.samples.map((s) => ({ labels: s.labels, values: [s.v] }));
  else if (result.type === 'matrix')
    got = result.series.map((s) => ({ labels: s.labels, values: Array.from(s.v) }));
  else throw new Error('string results are not compared');
  const show = (x: { labels: Labels | undefined; values: (number | undefined | typeof STALE)[] }) =>
    `${x.labels ? JSON.stringify(Object.fromEntries(x.labels.map((l) => [l.name, l.value]))) : 'scalar'} ${x.values.join(' ')}`;
  const describeAll = () =>
    `\n  got:\n    ${got.map(show).join('\n    ')}\n  want:\n    ${expected.map(show).join('\n    ')}`;
  if (got.length !== expected.length)
    throw new Error(`expected ${expected.length} series, got ${got.length}${describeAll()}`);
  expected.forEach((want, idx) => {
    const match = ordered
      ? got[idx]
      : got.find((g) =>
          want.labels === undefined
            ? g.labels === undefined
            : g.labels !== undefined && labelsKey(g.labels) === labelsKey(want.labels),
        );
    if (
      !match ||
      (ordered && want.labels && (!match.labels || labelsKey(match.labels) !== labelsKey(want.labels)))
    )
      throw new Error(`missing ${show(want)}${describeAll()}`);
    const wantValues = want.values.filter((v): v is number => v !== undefined);
    if (
      wantValues.length !== match.values.length ||
      !wantValues.every((v, k) => sameValue(v, match.values[k]!))
    )
      throw new Error(`values differ for ${show(want)}${describeAll()}`);
  });
}
