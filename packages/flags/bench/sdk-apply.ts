import type { BenchRow } from '@parley/kit/bench';
import type { Flag } from '../src/model/index.js';
import { FlagsClient } from '../src/sdk/index.js';

/** The SDK's handler of one stream event; called directly to time the SDK's own work alone. */
type EventSink = { onEvent(event: string, data: string): void };

function flag(key: string, on: boolean, version: number): Flag {
  return {
    key,
    type: 'boolean',
    variations: [{ value: false }, { value: true }],
    on,
    offVariation: 0,
    fallthrough: { variation: 1 },
    version,
  };
}

/**
 * CPU time an SDK spends on one change (parse the patch, apply it, recompile the changed flag,
 * report the change), measured with process.cpuUsage over N SDKs in this process (after warm-up
 * rounds), so machine load
 * (which stretches every wall-clock latency figure here) does not inflate it. N SDKs on one node
 * cost N times this per change, wherever they run.
 */
export function sdkApplyBenchmark(quick: boolean): BenchRow[] {
  const count = quick ? 300 : 1000;
  const rounds = quick ? 10 : 30;
  const warmup = 5;
  const clients = Array.from(
    { length: count },
    () => new FlagsClient({ baseUrl: 'http://127.0.0.1:9', sdkKey: 'unused', usageIntervalMs: 0 }),
  );
  const initial = {
    flags: [...Array.from({ length: 50 }, (_, i) => flag(`filler-${i}`, true, 1)), flag('rollout', true, 1)],
    segments: [],
    version: 1,
  };
  for (const client of clients) (client as unknown as EventSink).onEvent('ruleset', JSON.stringify(initial));
  const perSdk: number[] = [];
  for (let round = 0; round < warmup + rounds; round++) {
    const on = round % 2 === 1;
    const version = round + 2;
    const patch = JSON.stringify({
      from: version - 1,
      version,
      flags: [flag('rollout', on, version)],
      segments: [],
      deletedFlags: [],
      deletedSegments: [],
    });
    const before = process.cpuUsage();
    for (const client of clients) (client as unknown as EventSink).onEvent('patch', patch);
    const used = process.cpuUsage(before);
    if (round >= warmup) perSdk.push((used.user + used.system) / count);
    if (clients.some((c) => c.boolean('rollout', {}, !on) !== on)) throw new Error('a patch was not applied');
  }
  for (const client of clients) void client.close();
  perSdk.sort((a, b) => a - b);
  return [
    {
      name: `SDK CPU per applied patch (51 flags, median of ${rounds} rounds × ${count} SDKs)`,
      value: perSdk[Math.floor(perSdk.length / 2)]!,
      unit: 'µs',
      better: 'lower',
    },
  ];
}
