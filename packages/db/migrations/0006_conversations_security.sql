-- Conversations, messages and attachments are tenant-owned: FORCE row-level security on tenant_id.
SELECT parley_enable_tenant_rls('conversations');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('messages');
--> statement-breakpoint
SELECT parley_enable_tenant_rls('attachments');
--> statement-breakpoint
-- The values the application writes, held by the database too (drizzle's text enums are type-only).
ALTER TABLE messages ADD CONSTRAINT messages_role_check CHECK (role IN ('user', 'assistant', 'system'));
--> statement-breakpoint
ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN ('pending', 'complete', 'failed'));
--> statement-breakpoint
ALTER TABLE attachments ADD CONSTRAINT attachments_size_check CHECK (size_bytes >= 0);
--> statement-breakpoint
ALTER TABLE attachments ADD CONSTRAINT attachments_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$');
