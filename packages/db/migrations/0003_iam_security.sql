-- IAM tables are tenant-owned: FORCE row-level security on tenant_id through the shared helper.
SELECT parley_enable_tenant_rls('users');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('roles');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('role_permissions');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('user_roles');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('service_accounts');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('api_keys');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('refresh_tokens');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('audit_events');
--> statement-breakpoint
-- The audit log is append-only: the application role may add and read records, nothing else,
-- and a trigger refuses changes from any role that still holds the grants (the owner).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM parley_app;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION parley_audit_append_only() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION parley_audit_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION parley_audit_append_only();
