import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { parseTestFile } from './promqltest.js';

const dir = new URL('./testdata/', import.meta.url);

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.test'))
  .sort()) {
  describe(file, () => {
    for (const c of parseTestFile(readFileSync(new URL(file, dir), 'utf8'), file)) it(c.name, c.run);
  });
}
