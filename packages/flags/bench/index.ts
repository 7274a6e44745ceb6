import type { BenchSuite } from '@parley/kit/bench';
import { evaluationBenchmarks } from './evaluation.js';
import { propagationBenchmarks } from './propagation.js';
import { sdkApplyBenchmark } from './sdk-apply.js';

const suite: BenchSuite = {
  name: 'flags',
  async run({ quick, log }) {
    log('evaluation');
    const rows = evaluationBenchmarks(quick);
    log('SDK patch cost');
    rows.push(...sdkApplyBenchmark(quick));
    log('propagation');
    return [...rows, ...(await propagationBenchmarks(quick, log))];
  },
};

export default suite;
