-- Tenant isolation in the database, not only in application code.
-- Request handlers run inside withTenant(), which sets app.tenant_id for the transaction and
-- switches to parley_app: a role that owns nothing and cannot bypass row-level security.
DO $$
BEGIN
  CREATE ROLE parley_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION
  -- several databases of one cluster (tests, CI) may race to create the cluster-wide role
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
--> statement-breakpoint
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT parley_app TO %I', current_user);
  END IF;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO parley_app;
--> statement-breakpoint
-- The tenant of the current transaction; NULL (so: no rows) when none was set.
CREATE OR REPLACE FUNCTION parley_current_tenant() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;
--> statement-breakpoint
-- Every tenant-owned table gets the same treatment through this one function: RLS enabled AND
-- forced (so the owner is subject to it too), one policy on tenant_id for reads and writes, and
-- the DML grants parley_app needs. Later migrations call it for their own tables.
CREATE OR REPLACE FUNCTION parley_enable_tenant_rls(target regclass) RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
  EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', target);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s USING (tenant_id = parley_current_tenant()) WITH CHECK (tenant_id = parley_current_tenant())',
    target);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO parley_app', target);
END
$$;
--> statement-breakpoint
GRANT SELECT ON tenants TO parley_app;
--> statement-breakpoint
SELECT parley_enable_tenant_rls('tenant_settings');
