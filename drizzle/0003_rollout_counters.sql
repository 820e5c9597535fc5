-- Exact per-status counters on ota_campaigns (pending, downloading, installing,
-- succeeded, failed, skipped), kept by the statements that change device rows.
-- Statement-level triggers with transition tables: one counter UPDATE per statement,
-- not per row, in the same transaction as the change. No reader sees a device row and
-- a counter that disagree, and no two writers lose each other's increment (the campaign
-- row's lock serialises them). Reading the counters costs the same at any fleet size.
CREATE FUNCTION ota_device_status_count() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  t text[];
  c int[];
  s text[];
  n int[];
BEGIN
  -- The net change per (campaign, status). The transition tables only exist for the
  -- event that fired; plpgsql plans each branch only when it runs.
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(tenant_id), array_agg(campaign_id), array_agg(status), array_agg(k)
      INTO t, c, s, n
      FROM (SELECT tenant_id, campaign_id, status, count(*)::int AS k FROM new_rows GROUP BY 1, 2, 3) d;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(tenant_id), array_agg(campaign_id), array_agg(status), array_agg(k)
      INTO t, c, s, n
      FROM (SELECT tenant_id, campaign_id, status, -count(*)::int AS k FROM old_rows GROUP BY 1, 2, 3) d;
  ELSE
    SELECT array_agg(tenant_id), array_agg(campaign_id), array_agg(status), array_agg(k)
      INTO t, c, s, n
      FROM (
        SELECT tenant_id, campaign_id, status, sum(k)::int AS k FROM (
          SELECT tenant_id, campaign_id, status, count(*) AS k FROM new_rows GROUP BY 1, 2, 3
          UNION ALL
          SELECT tenant_id, campaign_id, status, -count(*) FROM old_rows GROUP BY 1, 2, 3
        ) u GROUP BY 1, 2, 3 HAVING sum(k) <> 0
      ) d;
  END IF;
  -- Progress-only reports change no status: nothing to count.
  IF t IS NULL THEN
    RETURN NULL;
  END IF;
  -- Lock the campaign rows in id order before changing them, so that two statements
  -- touching the same campaigns queue instead of deadlocking.
  PERFORM 1 FROM ota_campaigns oc
    WHERE (oc.tenant_id, oc.id) IN (SELECT * FROM unnest(t, c))
    ORDER BY oc.id
    FOR NO KEY UPDATE;
  UPDATE ota_campaigns oc SET
    pending     = oc.pending     + d.pending,
    downloading = oc.downloading + d.downloading,
    installing  = oc.installing  + d.installing,
    succeeded   = oc.succeeded   + d.succeeded,
    failed      = oc.failed      + d.failed,
    skipped     = oc.skipped     + d.skipped
  FROM (
    SELECT tenant_id, campaign_id,
      coalesce(sum(k) FILTER (WHERE status = 'PENDING'), 0)     AS pending,
      coalesce(sum(k) FILTER (WHERE status = 'DOWNLOADING'), 0) AS downloading,
      coalesce(sum(k) FILTER (WHERE status = 'INSTALLING'), 0)  AS installing,
      coalesce(sum(k) FILTER (WHERE status = 'SUCCESS'), 0)     AS succeeded,
      coalesce(sum(k) FILTER (WHERE status = 'FAILED'), 0)      AS failed,
      coalesce(sum(k) FILTER (WHERE status = 'SKIPPED'), 0)     AS skipped
    FROM unnest(t, c, s, n) AS x(tenant_id, campaign_id, status, k)
    GROUP BY 1, 2
  ) d
  WHERE oc.tenant_id = d.tenant_id AND oc.id = d.campaign_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER ota_device_status_count_insert
  AFTER INSERT ON ota_device_status
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ota_device_status_count();
--> statement-breakpoint
CREATE TRIGGER ota_device_status_count_update
  AFTER UPDATE ON ota_device_status
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ota_device_status_count();
--> statement-breakpoint
CREATE TRIGGER ota_device_status_count_delete
  AFTER DELETE ON ota_device_status
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ota_device_status_count();
--> statement-breakpoint
-- Campaigns created before this migration: count once, here.
UPDATE ota_campaigns oc SET
  pending     = d.pending,
  downloading = d.downloading,
  installing  = d.installing,
  succeeded   = d.succeeded,
  failed      = d.failed,
  skipped     = d.skipped,
  eligible_devices = d.eligible
FROM (
  SELECT tenant_id, campaign_id,
    count(*) FILTER (WHERE status = 'PENDING')::int     AS pending,
    count(*) FILTER (WHERE status = 'DOWNLOADING')::int AS downloading,
    count(*) FILTER (WHERE status = 'INSTALLING')::int  AS installing,
    count(*) FILTER (WHERE status = 'SUCCESS')::int     AS succeeded,
    count(*) FILTER (WHERE status = 'FAILED')::int      AS failed,
    count(*) FILTER (WHERE status = 'SKIPPED')::int     AS skipped,
    count(*) FILTER (WHERE status <> 'SKIPPED' OR error_message = 'campaign aborted')::int AS eligible
  FROM ota_device_status GROUP BY 1, 2
) d
WHERE oc.tenant_id = d.tenant_id AND oc.id = d.campaign_id;
--> statement-breakpoint
-- The in-flight timestamps the engine now relies on, for devices already in flight.
UPDATE ota_device_status SET last_report_at = coalesce(started_at, created_at)
  WHERE status IN ('DOWNLOADING', 'INSTALLING') AND last_report_at IS NULL;
--> statement-breakpoint
-- How far along a device status is. A device row only ever moves to a higher rank
-- (PENDING → DOWNLOADING → INSTALLING → SUCCESS/FAILED; SKIPPED is final too), so a
-- late or duplicate report can never move it back.
CREATE FUNCTION ota_status_rank(status text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE status
    WHEN 'PENDING' THEN 0
    WHEN 'DOWNLOADING' THEN 1
    WHEN 'INSTALLING' THEN 2
    ELSE 3
  END
$$;
