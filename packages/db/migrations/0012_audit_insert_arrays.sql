-- Group commits of the audit log as one prepared statement per batch: the rows come as one array
-- per column (unnest), not as jsonb, so PostgreSQL neither parses a JSON document nor looks every
-- field up by name. Like parley_audit_append_in_tenant (0009) it sets the tenant and the
-- parley_app role for its own transaction, then under the tenant's advisory lock (the same key as
-- 0004, so old and new writers exclude each other) inserts only if the chain head is still the
-- one the caller chained onto; otherwise it inserts nothing and returns the real head.
-- PL/pgSQL statements take fresh snapshots, so the head read after the lock sees every commit.
CREATE OR REPLACE FUNCTION parley_audit_insert(
  p_tenant uuid, p_expected_seq bigint, p_expected_hash text,
  p_id uuid[], p_seq bigint[], p_time timestamptz[], p_kind text[], p_actor text[], p_action text[],
  p_resource text[], p_decision text[], p_status integer[], p_route text[], p_ip text[],
  p_user_agent text[], p_request_id text[], p_latency_ms integer[], p_details jsonb[],
  p_prev_hash text[], p_hash text[])
  RETURNS TABLE (head_seq bigint, head_hash text)
  LANGUAGE plpgsql
  AS $$
DECLARE
  current_seq bigint;
  current_hash text;
BEGIN
  PERFORM set_config('app.tenant_id', p_tenant::text, true), set_config('role', 'parley_app', true);
  PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || p_tenant::text, 0));
  SELECT a.seq, a.hash INTO current_seq, current_hash
    FROM audit_events a WHERE a.tenant_id = p_tenant ORDER BY a.seq DESC LIMIT 1;
  IF NOT FOUND THEN
    current_seq := 0;
    current_hash := repeat('0', 64);
  END IF;
  IF current_seq <> p_expected_seq OR current_hash <> p_expected_hash THEN
    RETURN QUERY SELECT current_seq, current_hash;
    RETURN;
  END IF;
  INSERT INTO audit_events (id, tenant_id, seq, "time", kind, actor, action, resource, decision, status,
      route, ip, user_agent, request_id, latency_ms, details, prev_hash, hash)
    SELECT r.id, p_tenant, r.seq, r.t, r.kind, r.actor, r.action, r.resource, r.decision, r.status,
      r.route, r.ip, r.user_agent, r.request_id, r.latency_ms, r.details, r.prev_hash, r.hash
    FROM unnest(p_id, p_seq, p_time, p_kind, p_actor, p_action, p_resource, p_decision, p_status,
      p_route, p_ip, p_user_agent, p_request_id, p_latency_ms, p_details, p_prev_hash, p_hash)
      AS r(id, seq, t, kind, actor, action, resource, decision, status, route, ip, user_agent,
        request_id, latency_ms, details, prev_hash, hash);
END
$$;
--> statement-breakpoint
-- The start of a re-chain: in the caller's transaction, sets the tenant (not the role), takes the
-- tenant's advisory lock until commit and returns the head, so the parley_audit_insert that
-- follows in the same transaction cannot miss.
CREATE OR REPLACE FUNCTION parley_audit_lock_head(p_tenant uuid)
  RETURNS TABLE (head_seq bigint, head_hash text)
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM set_config('app.tenant_id', p_tenant::text, true);
  PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || p_tenant::text, 0));
  RETURN QUERY SELECT a.seq, a.hash FROM audit_events a WHERE a.tenant_id = p_tenant ORDER BY a.seq DESC LIMIT 1;
END
$$;
--> statement-breakpoint
-- Only the owner may call them: parley_app (a tenant-scoped session) must not pick another tenant.
REVOKE ALL ON FUNCTION parley_audit_insert(uuid, bigint, text, uuid[], bigint[], timestamptz[], text[], text[], text[], text[], text[], integer[], text[], text[], text[], text[], integer[], jsonb[], text[], text[]) FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION parley_audit_lock_head(uuid) FROM PUBLIC;
