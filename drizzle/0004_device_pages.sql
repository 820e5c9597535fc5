DROP INDEX "idx_ota_device_status_campaign";--> statement-breakpoint
CREATE INDEX "idx_ota_device_status_page" ON "ota_device_status" USING btree ("tenant_id","campaign_id","created_at","id");--> statement-breakpoint
CREATE INDEX "idx_ota_device_status_status_page" ON "ota_device_status" USING btree ("tenant_id","campaign_id","status","created_at","id");