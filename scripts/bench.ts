/**
 * `npm run bench`: runs every package's benchmark suite (`packages/*\/bench/index.ts` and
 * `apps/*\/bench/index.ts`, each default-exporting a BenchSuite) and prints one table per suite.
 *
 *   npm run bench                 quick mode, every suite
 *   npm run bench -- cache iam    only the named suites
 *   npm run bench -- --full       full-size datasets (slow)
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BenchSuite, formatTable } from '../packages/kit/src/bench/index.js';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const quick = !args.includes('--full');
const only = args.filter((a) => !a.startsWith('--'));

const suites: { dir: string; file: string }[] = [];
for (const group of ['packages', 'apps']) {
  for (const dir of readdirSync(join(root, group)).sort()) {
    const file = join(root, group, dir, 'bench', 'index.ts');
    if (existsSync(file) && (only.length === 0 || only.includes(dir))) suites.push({ dir, file });
  }
}

let failed = false;
const tables: string[] = [];
for (const { dir, file } of suites) {
  const suite = (await import(pathToFileURL(file).href)).default as BenchSuite;
  process.stderr.write(`\n[bench] ${suite.name} (${quick ? 'quick' : 'full'})\n`);
  try {
    const rows = await suite.run({ quick, log: (line) => process.stderr.write(`[${dir}] ${line}\n`) });
    const table = formatTable(suite.name, rows);
    tables.push(table);
    process.stdout.write(`\n${table}\n`);
  } catch (error) {
    failed = true;
    process.stderr.write(`[bench] ${suite.name} failed: ${(error as Error).stack}\n`);
  }
}
process.stdout.write(`\nadvantage = Parley's figure relative to the peer's, > 1 means Parley is better.\n`);
process.exit(failed ? 1 : 0);
