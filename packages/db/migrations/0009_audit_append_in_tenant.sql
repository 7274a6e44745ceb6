-- Group commits of the audit log in ONE round trip: called as a single statement outside any
-- explicit transaction, it sets the tenant context and the application role for that statement's
-- own transaction (as withTenant does) and appends like parley_audit_append (0004). A head
-- mismatch inserts nothing and returns the real head; the caller then re-chains inside withTenant.
-- Only the owner may call it: parley_app (a tenant-scoped session) must not pick another tenant.
CREATE OR REPLACE FUNCTION parley_audit_append_in_tenant(p_tenant uuid, p_expected_seq bigint, p_expected_hash text, p_rows jsonb)
  RETURNS TABLE (head_seq bigint, head_hash text)
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM set_config('app.tenant_id', p_tenant::text, true), set_config('role', 'parley_app', true);
  RETURN QUERY SELECT * FROM parley_audit_append(p_tenant, p_expected_seq, p_expected_hash, p_rows);
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION parley_audit_append_in_tenant(uuid, bigint, text, jsonb) FROM PUBLIC;
