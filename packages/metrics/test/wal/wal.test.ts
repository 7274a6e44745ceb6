import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStaleAt, STALE_NAN_HI, STALE_NAN_LO } from '../../src/chunkenc/xor.js';
import { Matcher } from '../../src/index/matchers.js';
import { labelsFromRecord } from '../../src/labels.js';
import { Tsdb } from '../../src/tsdb.js';

const name = (n: string) => [new Matcher('=', '__name__', n)];

describe('write-ahead log', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-metrics-wal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function writeSome(db: Tsdb, from: number, count: number): void {
    const app = db.appender();
    const a = app.ref(labelsFromRecord({ __name__: 'a', job: 'x' }));
    const b = app.ref(labelsFromRecord({ __name__: 'b' }));
    for (let i = from; i < from + count; i++) {
      app.append(a, i * 1000, i);
      app.append(b, i * 1000, i * 2);
    }
    app.commit();
  }

  it('recovers every committed sample, including staleness markers, after a restart', () => {
    const db = Tsdb.open({ dir });
    writeSome(db, 0, 500);
    writeSome(db, 500, 500);
    const app = db.appender();
    app.appendBits(app.ref(labelsFromRecord({ __name__: 'b' })), 1_000_000, STALE_NAN_HI, STALE_NAN_LO);
    app.commit();
    db.close(); // simulate a crash: nothing else is flushed

    const reopened = Tsdb.open({ dir });
    const q = reopened.querier();
    const a = q.select(name('a'), 0, 2e6)[0]!;
    expect(a.samples.length).toBe(1000);
    expect(a.samples.v[999]).toBe(999);
    const b = q.select(name('b'), 0, 2e6)[0]!;
    expect(b.samples.length).toBe(1001);
    expect(isStaleAt(b.samples.v, 1000)).toBe(true);
    // New appends continue after the replayed data, with series refs intact.
    writeSome(reopened, 1001, 10);
    expect(reopened.querier().select(name('a'), 0, 2e6)[0]!.samples.length).toBe(1010);
    reopened.close();
  });

  it('tolerates a torn tail: keeps the intact records and cuts the broken one', () => {
    const db = Tsdb.open({ dir });
    writeSome(db, 0, 100);
    writeSome(db, 100, 100);
    db.close();
    const walDir = join(dir, 'wal');
    const segment = join(walDir, readdirSync(walDir).sort()[0]!);
    const size = statSync(segment).size;
    truncateSync(segment, size - 7); // crash in the middle of the second commit's write
    appendFileSync(join(walDir, readdirSync(walDir).sort()[0]!), Buffer.from([0xff, 0xff]));

    const reopened = Tsdb.open({ dir });
    expect(reopened.querier().select(name('a'), 0, 1e9)[0]!.samples.length).toBe(100);
    writeSome(reopened, 100, 5);
    reopened.close();
    const again = Tsdb.open({ dir });
    expect(again.querier().select(name('a'), 0, 1e9)[0]!.samples.length).toBe(105);
    again.close();
  });

  it('does not log a rejected batch', () => {
    const db = Tsdb.open({ dir });
    writeSome(db, 10, 1);
    const app = db.appender();
    const ref = app.ref(labelsFromRecord({ __name__: 'a', job: 'x' }));
    app.append(ref, 20_000, 1);
    app.append(ref, 1_000, 1); // out of order: whole batch refused
    expect(() => app.commit()).toThrow(/out of order/);
    db.close();
    const reopened = Tsdb.open({ dir });
    expect(reopened.querier().select(name('a'), 0, 1e9)[0]!.samples.length).toBe(1);
    reopened.close();
  });
});
