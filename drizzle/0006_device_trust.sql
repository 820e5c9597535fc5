CREATE TABLE "release_keys" (
	"tenant_id" text NOT NULL,
	"kid" varchar(64) NOT NULL,
	"name" varchar(100) NOT NULL,
	"public_x" varchar(64) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text,
	"retired_at" timestamp with time zone,
	CONSTRAINT "release_keys_pkey" PRIMARY KEY("tenant_id","kid")
);
--> statement-breakpoint
ALTER TABLE "release_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenant_signing_keys" (
	"tenant_id" text NOT NULL,
	"kid" varchar(64) NOT NULL,
	"public_x" varchar(64) NOT NULL,
	"private_key_enc" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"activated_at" timestamp with time zone,
	"retired_at" timestamp with time zone,
	CONSTRAINT "tenant_signing_keys_pkey" PRIMARY KEY("tenant_id","kid")
);
--> statement-breakpoint
ALTER TABLE "tenant_signing_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "require_signed_firmware" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "mqtt_secret_hash" varchar(64);--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "credentials_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "credentials_issued_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "firmware_versions" ADD COLUMN "release_signature" varchar(128);--> statement-breakpoint
ALTER TABLE "firmware_versions" ADD COLUMN "release_kid" varchar(64);--> statement-breakpoint
ALTER TABLE "release_keys" ADD CONSTRAINT "release_keys_tenant_id_tenants_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("tenant_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_signing_keys" ADD CONSTRAINT "tenant_signing_keys_tenant_id_tenants_tenant_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("tenant_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "release_keys_tenant_isolation" ON "release_keys" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));--> statement-breakpoint
CREATE POLICY "tenant_signing_keys_tenant_isolation" ON "tenant_signing_keys" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));