CREATE TABLE "flag_approvals" (
	"tenant_id" uuid NOT NULL,
	"change_request_id" uuid NOT NULL,
	"approver" text NOT NULL,
	"revision" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "flag_approvals_change_request_id_approver_revision_pk" PRIMARY KEY("change_request_id","approver","revision")
);
--> statement-breakpoint
CREATE TABLE "flag_change_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"subject" text NOT NULL,
	"key" text NOT NULL,
	"operation" text NOT NULL,
	"definition" jsonb,
	"base_version" integer NOT NULL,
	"apply_at" timestamp with time zone,
	"status" text DEFAULT 'open' NOT NULL,
	"status_detail" text,
	"revision" integer DEFAULT 1 NOT NULL,
	"author" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"applied_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "flag_configs" (
	"tenant_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"flag_id" uuid NOT NULL,
	"key" text NOT NULL,
	"definition" jsonb NOT NULL,
	"version" integer NOT NULL,
	"uniform_since" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "flag_configs_environment_id_key_pk" PRIMARY KEY("environment_id","key")
);
--> statement-breakpoint
CREATE TABLE "flags" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"key" text NOT NULL,
	"type" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flag_due_work" (
	"environment_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"due_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flag_environments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"protected" boolean DEFAULT false NOT NULL,
	"required_approvals" integer DEFAULT 1 NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flag_evaluations" (
	"tenant_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"key" text NOT NULL,
	"evaluations" bigint NOT NULL,
	"last_evaluated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "flag_evaluations_environment_id_key_pk" PRIMARY KEY("environment_id","key")
);
--> statement-breakpoint
CREATE TABLE "flag_history" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"subject" text NOT NULL,
	"key" text NOT NULL,
	"action" text NOT NULL,
	"version" integer NOT NULL,
	"actor" text NOT NULL,
	"change_request_id" uuid,
	"diff" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flag_projects" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flag_sdk_keys" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "flag_segments" (
	"tenant_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"key" text NOT NULL,
	"definition" jsonb NOT NULL,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "flag_segments_environment_id_key_pk" PRIMARY KEY("environment_id","key")
);
--> statement-breakpoint
ALTER TABLE "flag_approvals" ADD CONSTRAINT "flag_approvals_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_approvals" ADD CONSTRAINT "flag_approvals_change_request_id_flag_change_requests_id_fk" FOREIGN KEY ("change_request_id") REFERENCES "public"."flag_change_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_change_requests" ADD CONSTRAINT "flag_change_requests_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_change_requests" ADD CONSTRAINT "flag_change_requests_environment_id_flag_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."flag_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_configs" ADD CONSTRAINT "flag_configs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_configs" ADD CONSTRAINT "flag_configs_environment_id_flag_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."flag_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_configs" ADD CONSTRAINT "flag_configs_flag_id_flags_id_fk" FOREIGN KEY ("flag_id") REFERENCES "public"."flags"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_project_id_flag_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."flag_projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_due_work" ADD CONSTRAINT "flag_due_work_environment_id_flag_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."flag_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_due_work" ADD CONSTRAINT "flag_due_work_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_environments" ADD CONSTRAINT "flag_environments_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_environments" ADD CONSTRAINT "flag_environments_project_id_flag_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."flag_projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_evaluations" ADD CONSTRAINT "flag_evaluations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_evaluations" ADD CONSTRAINT "flag_evaluations_environment_id_flag_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."flag_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_history" ADD CONSTRAINT "flag_history_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_history" ADD CONSTRAINT "flag_history_environment_id_flag_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."flag_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_projects" ADD CONSTRAINT "flag_projects_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_sdk_keys" ADD CONSTRAINT "flag_sdk_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_sdk_keys" ADD CONSTRAINT "flag_sdk_keys_environment_id_flag_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."flag_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_segments" ADD CONSTRAINT "flag_segments_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_segments" ADD CONSTRAINT "flag_segments_environment_id_flag_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."flag_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "flag_change_requests_environment_idx" ON "flag_change_requests" USING btree ("environment_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "flags_key_unique" ON "flags" USING btree ("project_id","key");--> statement-breakpoint
CREATE INDEX "flag_due_work_due_idx" ON "flag_due_work" USING btree ("due_at");--> statement-breakpoint
CREATE UNIQUE INDEX "flag_environments_key_unique" ON "flag_environments" USING btree ("project_id","key");--> statement-breakpoint
CREATE INDEX "flag_history_subject_idx" ON "flag_history" USING btree ("environment_id","subject","key","at");--> statement-breakpoint
CREATE UNIQUE INDEX "flag_projects_key_unique" ON "flag_projects" USING btree ("tenant_id","key");--> statement-breakpoint
CREATE UNIQUE INDEX "flag_sdk_keys_hash_unique" ON "flag_sdk_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "flag_sdk_keys_environment_idx" ON "flag_sdk_keys" USING btree ("environment_id");