CREATE TABLE "login_failures" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"first_failure_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_failure_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "token_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ota_device_status" ADD COLUMN "probed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ota_device_status" ADD COLUMN "probe_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- A change of role or password invalidates every token signed before it: tokens carry
-- token_version, and the request path compares it with this row on every request.
CREATE OR REPLACE FUNCTION users_bump_token_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.role IS DISTINCT FROM OLD.role OR NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
    NEW.token_version := OLD.token_version + 1;
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER users_token_version BEFORE UPDATE ON "users"
  FOR EACH ROW EXECUTE FUNCTION users_bump_token_version();
