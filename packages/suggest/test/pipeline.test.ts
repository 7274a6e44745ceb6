import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@parley/kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CorruptSnapshotError, readSnapshot, writeSnapshot } from '../src/pipeline/snapshot.js';
import { SuggestService } from '../src/service.js';

const DAY = 24 * 3600_000;
const texts = (r: { suggestions: { text: string }[] }) => r.suggestions.map((s) => s.text);
const dirs: string[] = [];

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function service(clock = new ManualClock(1_000 * DAY), pipeline = {}) {
  return new SuggestService({ clock, suggester: { halfLifeMs: 7 * DAY }, pipeline });
}

describe('pipeline', () => {
  it('decays popularity with the configured half-life', async () => {
    const clock = new ManualClock(1_000 * DAY);
    const suggest = service(clock);
    suggest.log('t', { query: 'pipeline old favourite', count: 100 });
    clock.advance(7 * DAY);
    suggest.log('t', { query: 'pipeline new thing', count: 40 });
    await suggest.rebuild('t');
    // One half-life later the old phrase counts for 50: still ahead of 40.
    expect(texts(suggest.suggest('t', { query: 'pipeline' }))).toEqual([
      'pipeline old favourite',
      'pipeline new thing',
    ]);
    expect(suggest.suggest('t', { query: 'pipeline' }).suggestions.map((s) => s.score)).toEqual([0.7, 0.56]);
    clock.advance(7 * DAY);
    await suggest.rebuild('t');
    // Two half-lives: 25 against 20 — still ahead, and the ratio is unchanged by the passing time.
    expect(suggest.suggest('t', { query: 'pipeline' }).suggestions.map((s) => s.score)).toEqual([0.7, 0.56]);
    suggest.log('t', { query: 'pipeline new thing', count: 10 });
    await suggest.rebuild('t');
    // 25 for the old one against 20 + 10 fresh for the new one.
    expect(texts(suggest.suggest('t', { query: 'pipeline' }))).toEqual([
      'pipeline new thing',
      'pipeline old favourite',
    ]);
  });

  it('shows a new trending query after the next delta flush, before any rebuild', async () => {
    const suggest = service();
    await suggest.load('t', [
      { text: 'quarterly revenue', weight: 50 },
      { text: 'quarterly pipeline', weight: 30 },
    ]);
    suggest.log('t', { query: 'Quarterly bookings EMEA', count: 80 });
    expect(texts(suggest.suggest('t', { query: 'quarterly' }))).toEqual([
      'quarterly revenue',
      'quarterly pipeline',
    ]);
    suggest.flush('t');
    expect(texts(suggest.suggest('t', { query: 'quarterly' }))).toEqual([
      'Quarterly bookings EMEA',
      'quarterly revenue',
      'quarterly pipeline',
    ]);
    // A phrase already in the main index moves up with its new uses, without duplicates.
    suggest.log('t', { query: 'quarterly pipeline', count: 100 });
    suggest.flush('t');
    expect(texts(suggest.suggest('t', { query: 'quarterly' }))).toEqual([
      'quarterly pipeline',
      'Quarterly bookings EMEA',
      'quarterly revenue',
    ]);
  });

  it('flushes on its own timer once started', async () => {
    const suggest = new SuggestService({ pipeline: { deltaIntervalMs: 20 } });
    await suggest.load('t', [{ text: 'win rate by rep', weight: 5 }]);
    suggest.start();
    try {
      suggest.log('t', { query: 'win rate by segment', count: 9 });
      await vi.waitFor(
        () => expect(texts(suggest.suggest('t', { query: 'win rate' }))[0]).toBe('win rate by segment'),
        {
          timeout: 2000,
        },
      );
    } finally {
      suggest.stop();
    }
  });

  it('survives a failing background rebuild and keeps serving the old index', async () => {
    const errors: unknown[] = [];
    const suggest = new SuggestService({
      pipeline: { rebuildIntervalMs: 20, onError: (e) => errors.push(e) },
    });
    await suggest.load('t', [{ text: 'margin by product', weight: 5 }]);
    const { suggester, pipeline } = suggest.tenant('t');
    const replace = vi.spyOn(suggester, 'replace').mockImplementation(() => {
      throw new Error('disk on fire');
    });
    suggest.start();
    try {
      await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 2000 });
    } finally {
      suggest.stop();
      replace.mockRestore();
    }
    expect((errors[0] as Error).message).toBe('disk on fire');
    expect(pipeline.failures).toBeGreaterThan(0);
    expect(texts(suggest.suggest('t', { query: 'margin' }))).toEqual(['margin by product']);
  });

  it('purges blocked phrases from the index and the log at rebuild', async () => {
    const suggest = service();
    await suggest.load('t', [
      { text: 'churn risk accounts', weight: 5 },
      { text: 'churn secret project', weight: 9 },
    ]);
    const { suggester, pipeline } = suggest.tenant('t');
    suggester.blocklist.addTerm('secret');
    expect(texts(suggest.suggest('t', { query: 'churn' }))).toEqual(['churn risk accounts']);
    expect(suggester.main.size).toBe(2);
    await suggest.rebuild('t');
    expect(suggester.main.size).toBe(1);
    expect(pipeline.aggregator.size).toBe(1);
  });

  it('keeps answering from the old index during a rebuild and swaps atomically', async () => {
    const suggest = service();
    const old = Array.from({ length: 20_000 }, (_, i) => ({ text: `account ${i}`, weight: 1 + (i % 97) }));
    await suggest.load('t', old);
    const before = suggest.suggest('t', { query: 'account 1' });
    suggest.log('t', { query: 'account 1 renewal', count: 1_000 });
    const rebuild = suggest.rebuild('t');
    let done = false;
    void rebuild.then(() => {
      done = true;
    });
    const during: string[][] = [];
    while (!done) {
      during.push(texts(suggest.suggest('t', { query: 'account 1' })));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const after = texts(suggest.suggest('t', { query: 'account 1' }));
    expect(after[0]).toBe('account 1 renewal');
    expect(during.length).toBeGreaterThan(2);
    // Every answer came wholly from the old index or wholly from the new one.
    for (const answer of during) expect([texts(before), after]).toContainEqual(answer);
    expect(during[0]).toEqual(texts(before));
  });
});

describe('snapshots', () => {
  it('round-trips index, decay, log and blocklist through a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'suggest-'));
    dirs.push(dir);
    const clock = new ManualClock(1_000 * DAY);
    const first = service(clock);
    await first.load('acme', [
      { text: 'Pipeline by stage', weight: 30 },
      { text: 'pipeline coverage', weight: 20 },
      { text: 'Éléonore Dupont', weight: 3 },
      { text: '商談 パイプライン', weight: 4 },
    ]);
    await first.load('globex', [{ text: 'pipeline globex only', weight: 1 }]);
    first.tenant('acme').suggester.blocklist.addPattern('cover');
    await first.save(dir);

    const second = service(clock);
    expect((await second.restore(dir)).sort()).toEqual(['acme', 'globex']);
    for (const query of ['pipe', 'pipline', 'eleo', '商談', 'p']) {
      expect(second.suggest('acme', { query })).toEqual(first.suggest('acme', { query }));
    }
    expect(texts(second.suggest('acme', { query: 'pipeline' }))).toEqual(['Pipeline by stage']);
    expect(texts(second.suggest('globex', { query: 'pipeline' }))).toEqual(['pipeline globex only']);
    // The log came back too: a rebuild after the restart keeps every phrase.
    await second.rebuild('acme');
    expect(second.tenant('acme').suggester.main.size).toBe(3);
  });

  it('refuses a damaged snapshot with a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'suggest-'));
    dirs.push(dir);
    const path = join(dir, 'x.suggest');
    await writeFile(path, 'hello');
    await expect(readSnapshot(path)).rejects.toThrow(CorruptSnapshotError);
    const source = service();
    await source.load('t', [{ text: 'a b c', weight: 1 }]);
    const { suggester, pipeline } = source.tenant('t');
    await writeSnapshot(path, {
      index: suggester.main,
      decay: suggester.decay,
      aggregate: pipeline.aggregator.toState(),
      blocklist: suggester.blocklist.rules(),
    });
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 8));
    await expect(readSnapshot(path)).rejects.toThrow(/truncated/);
  });
});

describe('snapshot format 1', () => {
  // Format 1 kept each node field in an array of its own; a server upgraded over such files must
  // keep its tenants (their query log above all), so they are still read.
  it('reads a file written before the node records', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'suggest-'));
    dirs.push(dir);
    const clock = new ManualClock(1_000 * DAY);
    const source = service(clock);
    await source.load('acme', [
      { text: 'Pipeline by stage', weight: 30 },
      { text: 'pipeline coverage', weight: 20 },
      { text: 'pipelines lost', weight: 5 },
      { text: 'Éléonore Dupont', weight: 3 },
    ]);
    const { suggester, pipeline } = source.tenant('acme');
    const index = suggester.main;
    const a = index.arrays;
    const count = index.nodeCount;
    const old = {
      keyChars: a.keyChars,
      keyStart: a.keyStart,
      weights: a.weights,
      nodeLo: a.nodeLo,
      nodeHi: a.nodeHi,
      nodeDepth: Uint16Array.from({ length: count }, (_, n) => index.depth(n)),
      nodeChar: Uint16Array.from({ length: count }, (_, n) => index.char(n)),
      nodeLabel: Uint32Array.from({ length: count }, (_, n) => a.keyStart[a.nodeLo[n]!]!),
      firstChild: Uint32Array.from({ length: count + 1 }, (_, n) => index.firstChild(n)),
      topStart: a.topStart,
      topIds: a.topIds,
    };
    const header = Buffer.from(
      JSON.stringify({
        k: a.k,
        wideKeys: a.keyChars instanceof Uint16Array,
        lengths: Object.fromEntries(Object.entries(old).map(([name, array]) => [name, array.length])),
        displays: [...a.displays],
        decay: { halfLifeMs: suggester.decay.halfLifeMs, landmarkMs: suggester.decay.landmarkMs },
        aggregate: pipeline.aggregator.toState(),
        blocklist: suggester.blocklist.rules(),
      }),
    );
    const pad = (n: number) => Buffer.alloc((8 - (n % 8)) % 8);
    const prefix = Buffer.alloc(16);
    prefix.write('PSUGGEST', 0, 'latin1');
    prefix.writeUInt32LE(1, 8);
    prefix.writeUInt32LE(header.length, 12);
    const chunks: Uint8Array[] = [prefix, header, pad(16 + header.length)];
    for (const array of Object.values(old)) {
      chunks.push(Buffer.from(array.buffer, array.byteOffset, array.byteLength), pad(array.byteLength));
    }
    await writeFile(join(dir, 'acme.suggest'), Buffer.concat(chunks));

    const restored = service(clock);
    expect(await restored.restore(dir)).toEqual(['acme']);
    for (const query of ['pipe', 'pipline', 'eleo', 'p', 'pipelines']) {
      expect(restored.suggest('acme', { query })).toEqual(source.suggest('acme', { query }));
    }
  });
});

describe('tenancy', () => {
  it('never shows one tenant’s phrases to another', async () => {
    const suggest = service();
    await suggest.load('acme', [{ text: 'acme merger plans', weight: 100 }]);
    await suggest.load('globex', [{ text: 'acme competitor analysis', weight: 1 }]);
    suggest.log('globex', { query: 'acme takeover', userId: 'u1' });
    suggest.flush();
    expect(texts(suggest.suggest('acme', { query: 'acme' }))).toEqual(['acme merger plans']);
    expect(texts(suggest.suggest('globex', { query: 'acme' }))).toEqual([
      'acme competitor analysis',
      'acme takeover',
    ]);
    expect(texts(suggest.suggest('acme', { query: 'acme', userId: 'u1' }))).toEqual(['acme merger plans']);
    expect(texts(suggest.suggest('initech', { query: 'acme' }))).toEqual([]);
    expect(() => suggest.log('../etc', { query: 'x' })).toThrow(expect.objectContaining({ status: 400 }));
  });
});
