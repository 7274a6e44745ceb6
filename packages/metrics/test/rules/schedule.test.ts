import { renameSync, writeFileSync } from 'node:fs';
import { systemClock } from '@parley/kit';
import { describe, expect, it } from 'vitest';
import { RuleManager } from '../../src/rules/manager.js';
import { Tsdb } from '../../src/tsdb.js';
import { ruleFile } from './harness.js';

const until = async (condition: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return condition();
};

describe('rule manager on real time', () => {
  it('evaluates each group on its interval at timestamps on the group grid', async () => {
    const manager = new RuleManager({
      db: Tsdb.open(),
      files: [
        ruleFile(
          'groups:\n  - name: fast\n    interval: 50ms\n    rules:\n      - record: one\n        expr: "1"\n',
        ),
      ],
      clock: systemClock,
    });
    manager.reload();
    const seen: number[] = [];
    const group = manager.groups()[0]!;
    const iterate = group.iterate.bind(group);
    group.iterate = (ts) => {
      seen.push(ts);
      iterate(ts);
    };
    manager.start();
    try {
      expect(await until(() => seen.length >= 4)).toBe(true);
    } finally {
      manager.stop();
    }
    // One evaluation per 50 ms slot, all on the same offset within the interval.
    const offsets = new Set(seen.map((ts) => ts % 50));
    expect(offsets.size).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]! - seen[i - 1]!).toBeGreaterThanOrEqual(50);
    const missed = group.counters.missed;
    expect(seen[seen.length - 1]! - seen[0]!).toBe((seen.length - 1 + missed) * 50);
  });

  it('reloads when a rule file changes, and keeps the rules when the change is invalid', async () => {
    const file = ruleFile('groups:\n  - name: g\n    rules:\n      - record: a\n        expr: "1"\n');
    const manager = new RuleManager({ db: Tsdb.open(), files: [file], clock: systemClock });
    manager.reload();
    const errors: Error[] = [];
    manager.watchFiles((error) => errors.push(error));
    try {
      writeFileSync(file, 'groups:\n  - name: g\n    rules:\n      - record: b\n        expr: "2"\n');
      expect(await until(() => manager.rules()[0]?.name === 'b')).toBe(true);
      // Replaced by a rename, as editors save: the folder watch still sees it.
      writeFileSync(
        `${file}.tmp`,
        'groups:\n  - name: g\n    rules:\n      - record: renamed\n        expr: "2"\n',
      );
      renameSync(`${file}.tmp`, file);
      expect(await until(() => manager.rules()[0]?.name === 'renamed')).toBe(true);
      writeFileSync(file, 'groups:\n  - name: g\n    rules:\n      - record: c\n        expr: "2 +"\n');
      expect(await until(() => errors.length > 0)).toBe(true);
      expect(errors[0]!.message).toMatch(/rule 1 \("c"\): could not parse expression/);
      expect(manager.rules().map((r) => r.name)).toEqual(['renamed']);
    } finally {
      manager.stop();
    }
  });
});
