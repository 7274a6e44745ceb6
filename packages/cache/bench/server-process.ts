/**
 * Runs a Parley cache server as its own process for the benchmark (as it would be deployed),
 * printing `port <n>` once listening. Started by bench/index.ts with `node --import tsx`.
 */
import { startCacheServer } from '../src/index.js';

const server = await startCacheServer({ port: 0, host: '127.0.0.1' });
// With --expose-gc, used_memory is measured after a full collection, so it is the live data
// size (what Redis's allocator figure reports) rather than live data plus pending garbage.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc)
  server.engine.usedMemory = () => {
    gc();
    return process.memoryUsage().heapUsed;
  };
process.stdout.write(`port ${server.port}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
