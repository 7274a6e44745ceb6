/**
 * `npm run docs:config`: rewrites the README's configuration table from the server's config spec,
 * the one source of truth (apps/server/test/readme.test.ts fails while they differ).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { serverConfigSpec } from '../apps/server/src/config.js';
import { describeConfig } from '../packages/kit/src/index.js';

const readmePath = new URL('../README.md', import.meta.url);
const readme = readFileSync(readmePath, 'utf8');
const start = readme.indexOf('| variable | default | meaning |');
if (start < 0) throw new Error('README.md has no configuration table to replace');
const end = readme.indexOf('\n\n', start);
writeFileSync(readmePath, `${readme.slice(0, start)}${describeConfig(serverConfigSpec)}${readme.slice(end)}`);
process.stdout.write('README.md configuration table regenerated\n');
