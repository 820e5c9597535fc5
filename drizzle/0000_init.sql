CREATE TABLE "tenants" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tenants" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"email" varchar(254) NOT NULL,
	"name" text,
	"role" varchar(20) DEFAULT 'viewer' NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_role_check" CHECK ("users"."role" IN ('admin', 'operator', 'viewer')),
	CONSTRAINT "users_email_lower" CHECK ("users"."email" = lower("users"."email"))
);
--> statement-breakpoint
ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "device_group_members" (
	"tenant_id" text NOT NULL,
	"group_id" varchar(64) NOT NULL,
	"device_id" varchar(64) NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "device_group_members_pkey" PRIMARY KEY("tenant_id","group_id","device_id")
);
--> statement-breakpoint
ALTER TABLE "device_group_members" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "device_groups" (
	"tenant_id" text NOT NULL,
	"group_id" varchar(64) NOT NULL,
	"name" varchar(100) NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "device_groups_pkey" PRIMARY KEY("tenant_id","group_id")
);
--> statement-breakpoint
ALTER TABLE "device_groups" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "devices" (
	"tenant_id" text NOT NULL,
	"device_id" varchar(64) NOT NULL,
	"device_type" varchar(50),
	"fw_version" varchar(50),
	"last_seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "devices_pkey" PRIMARY KEY("tenant_id","device_id")
);
--> statement-breakpoint
ALTER TABLE "devices" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "firmware_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"version" varchar(50) NOT NULL,
	"description" text,
	"file_url" text NOT NULL,
	"file_size_bytes" bigint,
	"checksum_sha256" varchar(64),
	"device_type" varchar(50),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	"storage_key" text,
	CONSTRAINT "uq_firmware_versions_tenant_id" UNIQUE("tenant_id","id"),
	CONSTRAINT "uq_firmware_tenant_version" UNIQUE NULLS NOT DISTINCT("tenant_id","version","device_type")
);
--> statement-breakpoint
ALTER TABLE "firmware_versions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ota_campaigns" (
	"id" serial PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"name" varchar(100) NOT NULL,
	"firmware_version_id" integer NOT NULL,
	"target_group_id" text NOT NULL,
	"rollout_strategy" varchar(20) DEFAULT 'linear' NOT NULL,
	"rollout_rate" integer DEFAULT 10 NOT NULL,
	"abort_threshold" double precision DEFAULT 0.1 NOT NULL,
	"status" varchar(20) DEFAULT 'CREATED' NOT NULL,
	"total_devices" integer DEFAULT 0 NOT NULL,
	"succeeded" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	CONSTRAINT "uq_ota_campaigns_tenant_id" UNIQUE("tenant_id","id"),
	CONSTRAINT "ota_campaigns_rollout_strategy_check" CHECK ("ota_campaigns"."rollout_strategy" IN ('linear', 'canary')),
	CONSTRAINT "ota_campaigns_status_check" CHECK ("ota_campaigns"."status" IN ('CREATED', 'RUNNING', 'PAUSED', 'COMPLETED', 'ABORTED'))
);
--> statement-breakpoint
ALTER TABLE "ota_campaigns" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ota_device_status" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"campaign_id" integer NOT NULL,
	"device_id" varchar NOT NULL,
	"status" varchar(20) DEFAULT 'PENDING' NOT NULL,
	"progress_pct" integer DEFAULT 0 NOT NULL,
	"error_message" text,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uq_ota_device_campaign" UNIQUE("tenant_id","campaign_id","device_id"),
	CONSTRAINT "ota_device_status_status_check" CHECK ("ota_device_status"."status" IN ('PENDING', 'DOWNLOADING', 'INSTALLING', 'SUCCESS', 'FAILED', 'SKIPPED')),
	CONSTRAINT "ota_device_status_progress_pct_check" CHECK ("ota_device_status"."progress_pct" >= 0 AND "ota_device_status"."progress_pct" <= 100)
);
--> statement-breakpoint
ALTER TABLE "ota_device_status" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_tenant_id_tenants_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("tenant_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_group_members" ADD CONSTRAINT "device_group_members_group_fk" FOREIGN KEY ("tenant_id","group_id") REFERENCES "public"."device_groups"("tenant_id","group_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_group_members" ADD CONSTRAINT "device_group_members_device_fk" FOREIGN KEY ("tenant_id","device_id") REFERENCES "public"."devices"("tenant_id","device_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_groups" ADD CONSTRAINT "device_groups_tenant_id_tenants_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("tenant_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_tenant_id_tenants_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("tenant_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "firmware_versions" ADD CONSTRAINT "firmware_versions_tenant_id_tenants_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("tenant_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD CONSTRAINT "ota_campaigns_tenant_id_tenants_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("tenant_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD CONSTRAINT "ota_campaigns_firmware_fk" FOREIGN KEY ("tenant_id","firmware_version_id") REFERENCES "public"."firmware_versions"("tenant_id","id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ota_device_status" ADD CONSTRAINT "ota_device_status_campaign_fk" FOREIGN KEY ("tenant_id","campaign_id") REFERENCES "public"."ota_campaigns"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "uq_users_email" ON "users" USING btree ("email");--> statement-breakpoint
CREATE INDEX "idx_users_tenant" ON "users" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "idx_device_group_members_device" ON "device_group_members" USING btree ("tenant_id","device_id");--> statement-breakpoint
CREATE INDEX "idx_devices_type" ON "devices" USING btree ("tenant_id","device_type");--> statement-breakpoint
CREATE INDEX "idx_firmware_versions_tenant" ON "firmware_versions" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "idx_firmware_versions_device_type" ON "firmware_versions" USING btree ("tenant_id","device_type");--> statement-breakpoint
CREATE INDEX "idx_ota_campaigns_tenant" ON "ota_campaigns" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "idx_ota_campaigns_status" ON "ota_campaigns" USING btree ("tenant_id","status");--> statement-breakpoint
CREATE INDEX "idx_ota_device_status_campaign" ON "ota_device_status" USING btree ("tenant_id","campaign_id");--> statement-breakpoint
CREATE INDEX "idx_ota_device_status_pending" ON "ota_device_status" USING btree ("tenant_id","campaign_id","status") WHERE status = 'PENDING';--> statement-breakpoint
CREATE INDEX "idx_ota_device_status_device" ON "ota_device_status" USING btree ("tenant_id","device_id");--> statement-breakpoint
CREATE POLICY "tenants_tenant_isolation" ON "tenants" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));--> statement-breakpoint
CREATE POLICY "users_tenant_isolation" ON "users" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));--> statement-breakpoint
CREATE POLICY "device_group_members_tenant_isolation" ON "device_group_members" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));--> statement-breakpoint
CREATE POLICY "device_groups_tenant_isolation" ON "device_groups" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));--> statement-breakpoint
CREATE POLICY "devices_tenant_isolation" ON "devices" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));--> statement-breakpoint
CREATE POLICY "firmware_versions_tenant_isolation" ON "firmware_versions" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));--> statement-breakpoint
CREATE POLICY "ota_campaigns_tenant_isolation" ON "ota_campaigns" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));--> statement-breakpoint
CREATE POLICY "ota_device_status_tenant_isolation" ON "ota_device_status" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));