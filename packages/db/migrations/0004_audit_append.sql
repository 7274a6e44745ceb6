-- One round trip per group commit of audit records. The caller computes the hash chain from the
-- head it believes current (its own last write); under the tenant's advisory lock this function
-- checks that belief and inserts, or returns the actual head so the caller can recompute and call
-- again in the same transaction (the lock is still held). PL/pgSQL statements take fresh
-- snapshots, so the head read after the lock sees every committed append.
CREATE OR REPLACE FUNCTION parley_audit_append(p_tenant uuid, p_expected_seq bigint, p_expected_hash text, p_rows jsonb)
  RETURNS TABLE (head_seq bigint, head_hash text)
  LANGUAGE plpgsql
  AS $$
DECLARE
  current_seq bigint := 0;
  current_hash text := repeat('0', 64);
BEGIN
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
  INSERT INTO audit_events SELECT * FROM jsonb_populate_recordset(NULL::audit_events, p_rows);
END
$$;
