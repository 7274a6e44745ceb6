/**
 * The shape every package's benchmark returns, so `npm run bench` can print one table.
 * A row compares Parley's figure with a peer's (real Redis, Prometheus, minisearch, a bare
 * route...) measured in the same run; only the ratio is meaningful on a noisy machine.
 */
export interface BenchRow {
  /** What was measured, e.g. `SET -P 16 ops/s`. */
  name: string;
  /** Parley's figure. */
  value: number;
  unit: string;
  /** The peer's figure for the same measurement, if one ran. */
  peer?: { name: string; value: number };
  /** Whether a bigger number is better (throughput) or worse (latency, bytes). */
  better: 'higher' | 'lower';
  /** The goal, as a ratio to the peer or an absolute figure, for the printed verdict. */
  goal?: { ratio?: number; value?: number };
  note?: string;
}

export interface BenchOptions {
  /** Quick mode: smaller datasets and fewer iterations, for `npm run bench`. */
  quick: boolean;
  log: (line: string) => void;
}

export interface BenchSuite {
  name: string;
  run(options: BenchOptions): Promise<BenchRow[]>;
}

/** Parley's figure relative to the peer, oriented so that > 1 means Parley is better. */
export function advantage(row: BenchRow): number | undefined {
  if (!row.peer || row.peer.value === 0 || row.value === 0) return undefined;
  return row.better === 'higher' ? row.value / row.peer.value : row.peer.value / row.value;
}

function verdict(row: BenchRow): string {
  const goal = row.goal;
  if (!goal) return '';
  const adv = advantage(row);
  if (goal.ratio !== undefined && adv !== undefined)
    return adv >= goal.ratio ? 'ok' : `MISS (goal ${goal.ratio}x)`;
  if (goal.value !== undefined) {
    const met = row.better === 'higher' ? row.value >= goal.value : row.value <= goal.value;
    return met ? 'ok' : `MISS (goal ${row.better === 'higher' ? '≥' : '≤'} ${formatNumber(goal.value)})`;
  }
  return '';
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** Renders rows as an aligned text table; the ratio column reads "Parley is N× better". */
export function formatTable(suite: string, rows: BenchRow[]): string {
  const header = ['benchmark', 'parley', 'unit', 'peer', 'peer value', 'advantage', 'verdict'];
  const body = rows.map((row) => {
    const adv = advantage(row);
    return [
      row.name,
      formatNumber(row.value),
      row.unit,
      row.peer?.name ?? '',
      row.peer ? formatNumber(row.peer.value) : '',
      adv === undefined ? '' : `${adv.toFixed(2)}x`,
      verdict(row) + (row.note ? ` ${row.note}` : ''),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    `## ${suite}`,
    '',
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}
