-- Flags tables are tenant-owned: FORCE row-level security on tenant_id through the shared helper.
SELECT parley_enable_tenant_rls('flag_projects');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('flag_environments');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('flags');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('flag_configs');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('flag_segments');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('flag_sdk_keys');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('flag_history');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('flag_change_requests');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('flag_approvals');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('flag_evaluations');
--> statement-breakpoint
-- The history is append-only for the application role.
REVOKE UPDATE, DELETE ON flag_history FROM parley_app;
--> statement-breakpoint
-- flag_due_work: when an environment's next scheduled change is due. The scheduler reads it
-- across tenants as the owner, so RLS is ENABLED (parley_app sees only its tenant's rows) but
-- deliberately not FORCED. It holds ids and a time, never a definition.
ALTER TABLE flag_due_work ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON flag_due_work USING (tenant_id = parley_current_tenant()) WITH CHECK (tenant_id = parley_current_tenant());
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON flag_due_work TO parley_app;
