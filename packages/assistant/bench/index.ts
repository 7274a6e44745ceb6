import { ManualClock } from '@parley/kit';
import { type BenchRow, type BenchSuite, summarize, timeCalls } from '@parley/kit/bench';
import { loadClassifier } from '../src/classifier/classifier.js';
import { DATASET_DIR, readJsonl } from '../src/classifier/dataset.js';
import { planQuery } from '../src/semantic/planner.js';
import { extractSlots } from '../src/slots/extract.js';
import { Gazetteer } from '../src/slots/gazetteer.js';
import { conversationsBench } from './conversations.js';
import { fastPathBench } from './fast-path.js';
import { reportsBench } from './reports.js';

/** Per-call latency of `fn` over `texts` in turn, one call per sample, in milliseconds. */
function latency(texts: string[], rounds: number, fn: (text: string) => unknown) {
  let i = 0;
  const samples = timeCalls(() => fn(texts[i++ % texts.length]!), texts.length * rounds, 1);
  const summary = summarize(samples);
  return { p50: summary.p50 / 1e6, p99: summary.p99 / 1e6, count: summary.count };
}

const suite: BenchSuite = {
  name: 'assistant',
  async run({ quick, log }) {
    const rounds = quick ? 5 : 50;
    const texts = readJsonl(new URL('test.jsonl', DATASET_DIR)).map((row) => row.text);
    const rows: BenchRow[] = [];
    for (const version of ['v1', 'v2'] as const) {
      const classifier = loadClassifier(version);
      const { p50, p99, count } = latency(texts, rounds, (text) => classifier.classify(text));
      log(`classifier ${version}: ${count} calls over the held-out set`);
      rows.push(
        { name: `classify ${version} p50`, value: p50, unit: 'ms', better: 'lower' },
        { name: `classify ${version} p99`, value: p99, unit: 'ms', better: 'lower', goal: { value: 1 } },
      );
    }
    const clock = new ManualClock(Date.parse('2025-11-22T12:00:00Z'));
    // A tenant-sized gazetteer: 5,000 products plus regions, channels and segments.
    const gazetteer = new Gazetteer([
      ...Array.from({ length: 5000 }, (_, i) => ({
        dimension: 'product' as const,
        value: `Product ${i} Deluxe`,
      })),
      ...['EMEA', 'APAC', 'North America', 'Northern Europe', 'LATAM'].map((value) => ({
        dimension: 'region' as const,
        value,
      })),
      ...['Webshop', 'Retail', 'Wholesale'].map((value) => ({ dimension: 'channel' as const, value })),
      ...['Enterprise', 'SMB'].map((value) => ({ dimension: 'segment' as const, value })),
    ]);
    const slots = latency(texts, rounds, (text) => extractSlots(text, { clock, gazetteer }));
    log(`slot extraction: ${slots.count} calls, gazetteer of ${gazetteer.size} values`);
    rows.push(
      { name: 'extract slots p50', value: slots.p50, unit: 'ms', better: 'lower' },
      { name: 'extract slots p99', value: slots.p99, unit: 'ms', better: 'lower', goal: { value: 1 } },
    );
    const classifier = loadClassifier('v2');
    const pipeline = latency(texts, rounds, (text) => {
      const routed = classifier.classify(text);
      const extracted = extractSlots(text, { clock, gazetteer });
      try {
        return planQuery(routed.candidates[0]!.intent, extracted, clock.now());
      } catch {
        return undefined;
      }
    });
    rows.push(
      { name: 'classify v2 + slots + plan p50', value: pipeline.p50, unit: 'ms', better: 'lower' },
      { name: 'classify v2 + slots + plan p99', value: pipeline.p99, unit: 'ms', better: 'lower' },
    );
    rows.push(...(await fastPathBench(quick, log)));
    rows.push(...(await conversationsBench(quick, log)));
    rows.push(...(await reportsBench(quick, log)));
    return rows;
  },
};

export default suite;
