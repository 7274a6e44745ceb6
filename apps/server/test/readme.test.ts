import { readFileSync } from 'node:fs';
import { describeConfig } from '@parley/kit';
import { describe, expect, it } from 'vitest';
import { serverConfigSpec } from '../src/config.js';

describe('README', () => {
  it('documents every configuration variable exactly as the server reads it', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme, 'run `npm run docs:config` to regenerate the table').toContain(
      describeConfig(serverConfigSpec),
    );
  });
});
