import { defineConfig } from 'drizzle-kit';

// One ordered migration stream for the whole platform; each package keeps its tables in its own
// src/**/schema files and lists them here. Row-level security, roles and grants are custom
// migrations (drizzle-kit generates ENABLE only), via parley_enable_tenant_rls().
export default defineConfig({
  dialect: 'postgresql',
  schema: [
    './packages/db/src/schema/tenancy.ts',
    './packages/iam/src/schema/iam.ts',
    './packages/flags/src/schema/flags.ts',
    './packages/assistant/src/conversations/schema.ts',
    './packages/assistant/src/warehouse/schema.ts',
  ],
  out: './packages/db/migrations',
});
