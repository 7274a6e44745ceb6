/**
 * Runs a Parley cache server as its own process for the benchmark (as it would be deployed),
 * started by bench/index.ts like redis-server: `node --import tsx server-process.ts --port <n>`.
 */
import { startCacheServer } from '../src/index.js';

const at = process.argv.indexOf('--port');
const port = at > 0 ? Number(process.argv[at + 1]) : 0;
const server = await startCacheServer({ port, host: '127.0.0.1' });
// With --expose-gc (only the memory measurement's server: a full collection per INFO would slow
// BullMQ, which sends INFO on every connection), used_memory is measured after a full collection,
// so it is the live data size (what Redis's allocator figure reports) rather than live data plus
// pending garbage.
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
