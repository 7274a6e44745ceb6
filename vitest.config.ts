import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

// Tests import workspace packages by name; point those names at the TypeScript sources so
// `npm test` needs no build step. `@parley/x/sub` maps to `packages/x/src/sub/index.ts`.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@parley\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
      { find: /^@parley\/([a-z-]+)\/([a-z-]+)$/, replacement: `${root}packages/$1/src/$2/index.ts` },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
