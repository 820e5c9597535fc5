CREATE TABLE "worker_heartbeats" (
	"worker_id" text PRIMARY KEY NOT NULL,
	"hostname" text NOT NULL,
	"pid" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"beat_at" timestamp with time zone NOT NULL,
	"tick_interval_ms" integer NOT NULL,
	"broker_connected" boolean NOT NULL,
	"stats" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
DROP INDEX "idx_ota_device_status_pending";--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD COLUMN "canary_percent" integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD COLUMN "canary_size" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD COLUMN "phase" varchar(20) DEFAULT 'rollout' NOT NULL;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD COLUMN "abort_min_devices" integer DEFAULT 10 NOT NULL;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD COLUMN "abort_reason" text;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD COLUMN "device_timeout_seconds" integer DEFAULT 1800 NOT NULL;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD COLUMN "max_in_flight" integer;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD COLUMN "eligible_devices" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD COLUMN "pending" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD COLUMN "downloading" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD COLUMN "installing" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD COLUMN "skipped" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD COLUMN "last_dispatch_slot" bigint;--> statement-breakpoint
ALTER TABLE "ota_device_status" ADD COLUMN "canary" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "ota_device_status" ADD COLUMN "last_report_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ota_device_status" ADD COLUMN "dispatch_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ota_device_status" ADD COLUMN "dispatched_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "idx_ota_device_status_claimable" ON "ota_device_status" USING btree ("tenant_id","campaign_id","id") WHERE status = 'PENDING';--> statement-breakpoint
CREATE INDEX "idx_ota_device_status_in_flight" ON "ota_device_status" USING btree ("tenant_id","campaign_id") WHERE status IN ('DOWNLOADING', 'INSTALLING');--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD CONSTRAINT "ota_campaigns_phase_check" CHECK ("ota_campaigns"."phase" IN ('canary', 'rollout'));--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD CONSTRAINT "ota_campaigns_canary_percent_check" CHECK ("ota_campaigns"."canary_percent" BETWEEN 1 AND 50);--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD CONSTRAINT "ota_campaigns_abort_min_devices_check" CHECK ("ota_campaigns"."abort_min_devices" >= 1);--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD CONSTRAINT "ota_campaigns_device_timeout_check" CHECK ("ota_campaigns"."device_timeout_seconds" >= 1);--> statement-breakpoint
ALTER TABLE "ota_campaigns" ADD CONSTRAINT "ota_campaigns_max_in_flight_check" CHECK ("ota_campaigns"."max_in_flight" IS NULL OR "ota_campaigns"."max_in_flight" >= 1);