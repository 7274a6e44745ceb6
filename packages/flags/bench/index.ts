import type { BenchSuite } from '@parley/kit/bench';
import { evaluationBenchmarks } from './evaluation.js';

const suite: BenchSuite = {
  name: 'flags',
  async run({ quick, log }) {
    log('evaluation');
    return evaluationBenchmarks(quick);
  },
};

export default suite;
