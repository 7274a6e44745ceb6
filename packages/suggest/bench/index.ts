import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BenchRow, BenchSuite } from '@parley/kit/bench';
import { generatePhrases } from '../src/corpus/phrases.js';
import { typedQueries } from '../src/corpus/queries.js';
import { DEFAULT_TYPO_POLICY } from '../src/fuzzy/policy.js';
import { Decay } from '../src/ranking/decay.js';
import { SuggestService } from '../src/service.js';
import { httpLatency } from './http.js';
import { latency, quality, retained, timed } from './measure.js';
import { type Engine, flexsearch, minisearch, parley, parleyOn } from './peers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const suite: BenchSuite = {
  name: 'suggest',
  async run({ quick, log }) {
    const size = quick ? 200_000 : 1_000_000;
    const corpus = timed(() => generatePhrases({ count: size, seed: 1 }));
    const entries = corpus.value;
    log(`corpus: ${entries.length} phrases in ${corpus.ms.toFixed(0)} ms`);
    const all = typedQueries(entries, { count: quick ? 600 : 2000, seed: 99 });
    const clean = all.filter((q) => q.typos === 0);
    const typos = all.filter((q) => q.typos > 0);
    // Peers take up to 100 ms a query at 1M phrases: they are timed on the first few hundred
    // queries of each kind, and quality is judged for everyone on the same first 400 queries.
    const peerQueries = quick ? 300 : 200;
    const judged = all.slice(0, 400);
    const judge = (engine: Engine) => ({
      clean: quality(
        engine,
        judged.filter((q) => q.typos === 0),
      ),
      typo: quality(
        engine,
        judged.filter((q) => q.typos > 0),
      ),
    });
    log(`queries: ${clean.length} clean, ${typos.length} with typos; ${judged.length} judged for quality`);

    const build = (make: () => Engine) => {
      const start = performance.now();
      const { value, bytes } = retained(gc, () => {
        const engine = make();
        return { engine, ms: performance.now() - start };
      });
      return { engine: value.engine, ms: value.ms, perEntry: bytes / entries.length };
    };

    const ours = build(() => parley(entries));
    const index = (ours.engine as ReturnType<typeof parley>).index;
    // The index's own accounting of its arrays; a heap delta is too coarse for off-heap buffers.
    ours.perEntry = index.byteSize() / index.size;
    log(
      `parley: built in ${ours.ms.toFixed(0)} ms, ${ours.perEntry.toFixed(1)} B/entry, ${index.nodeCount} nodes`,
    );
    const oursClean = latency(ours.engine, clean, 5);
    const oursTypo = latency(ours.engine, typos, 5);
    const oursQuality = judge(ours.engine);

    const rows: BenchRow[] = [];
    const service = new SuggestService();
    service.tenant('bench').suggester.replace(index, new Decay(7 * 24 * 3600_000, Date.now()));

    for (const make of [minisearch, flexsearch]) {
      const peer = build(() => make(entries));
      const name = peer.engine.name;
      log(`${name}: built in ${peer.ms.toFixed(0)} ms, ${peer.perEntry.toFixed(1)} B/entry retained`);
      const peerClean = latency(peer.engine, clean.slice(0, peerQueries), 1);
      const peerTypo = latency(peer.engine, typos.slice(0, peerQueries), 1);
      const peerQuality = judge(peer.engine);
      const http = await httpLatency(service, 'bench', peer.engine, all, quick ? 600 : 400);
      const vs = (value: number) => ({ name, value });
      rows.push(
        {
          name: `build ${size / 1000}k phrases`,
          value: ours.ms,
          unit: 'ms',
          better: 'lower',
          peer: vs(peer.ms),
        },
        {
          name: 'memory per entry',
          value: ours.perEntry,
          unit: 'B',
          better: 'lower',
          peer: vs(peer.perEntry),
          goal: { value: 100 },
        },
        {
          name: 'top-10 p50, exact prefixes',
          value: oursClean.p50,
          unit: 'µs',
          better: 'lower',
          peer: vs(peerClean.p50),
        },
        {
          name: 'top-10 p99, exact prefixes',
          value: oursClean.p99,
          unit: 'µs',
          better: 'lower',
          peer: vs(peerClean.p99),
          ...(name === 'minisearch' ? { goal: { ratio: 100 } } : {}),
        },
        {
          name: 'top-10 p50, with typos',
          value: oursTypo.p50,
          unit: 'µs',
          better: 'lower',
          peer: vs(peerTypo.p50),
        },
        {
          name: 'top-10 p99, with typos',
          value: oursTypo.p99,
          unit: 'µs',
          better: 'lower',
          peer: vs(peerTypo.p99),
          goal: name === 'minisearch' ? { ratio: 100 } : { value: 100 },
        },
        {
          name: 'HTTP GET p50 (4 in flight)',
          value: http.parley.p50,
          unit: 'µs',
          better: 'lower',
          peer: vs(http.peer.p50),
        },
        {
          name: 'HTTP GET p99 (4 in flight)',
          value: http.parley.p99,
          unit: 'µs',
          better: 'lower',
          peer: vs(http.peer.p99),
        },
        {
          name: 'recall@10, exact prefixes',
          value: oursQuality.clean.recall,
          unit: '',
          better: 'higher',
          peer: vs(peerQuality.clean.recall),
        },
        {
          name: 'MRR, exact prefixes',
          value: oursQuality.clean.mrr,
          unit: '',
          better: 'higher',
          peer: vs(peerQuality.clean.mrr),
        },
        {
          name: 'recall@10, with typos',
          value: oursQuality.typo.recall,
          unit: '',
          better: 'higher',
          peer: vs(peerQuality.typo.recall),
        },
        {
          name: 'MRR, with typos',
          value: oursQuality.typo.mrr,
          unit: '',
          better: 'higher',
          peer: vs(peerQuality.typo.mrr),
        },
      );
      log(`${name}: done`);
    }
    rows.push({
      name: 'top-10 p99, typos, best of 5/query',
      value: oursTypo.bestP99,
      unit: 'µs',
      better: 'lower',
      goal: { value: 100 },
      note: '(fastest of 5 runs per query)',
    });
    // The work cap trades tail latency for recall: the default beside a tighter and a looser one,
    // and how many typo answers each leaves identical to those of an unbounded search.
    const unbounded = parleyOn(index, { ...DEFAULT_TYPO_POLICY, maxVisits: Number.POSITIVE_INFINITY });
    const reference = typos.map((q) => unbounded.search(q.typed, 10).join('\n'));
    // 2,000 was the default before the first-letter split.
    for (const maxVisits of [1_000, DEFAULT_TYPO_POLICY.maxVisits, 2_000, 10_000]) {
      const capped = parleyOn(index, { ...DEFAULT_TYPO_POLICY, maxVisits });
      const speed = latency(capped, typos, 5);
      const { recall } = quality(
        capped,
        judged.filter((q) => q.typos > 0),
      );
      const same = typos.filter((q, i) => capped.search(q.typed, 10).join('\n') === reference[i]).length;
      const label = `maxVisits ${maxVisits.toLocaleString('en-US')}`;
      rows.push(
        { name: `typos p99, ${label}`, value: speed.p99, unit: 'µs', better: 'lower' },
        { name: `typos p99 best of 5, ${label}`, value: speed.bestP99, unit: 'µs', better: 'lower' },
        { name: `recall@10 typos, ${label}`, value: recall, unit: '', better: 'higher' },
        {
          name: `typo answers = unbounded, ${label}`,
          value: same / typos.length,
          unit: '',
          better: 'higher',
          note: `(${same} of ${typos.length})`,
        },
      );
    }
    return rows;
  },
};

export default suite;
