-- The role that web requests run tenant-scoped queries as (`SET LOCAL ROLE flotilla_app`
-- inside each transaction, with app.tenant_id set for that transaction only).
-- NOLOGIN, not a superuser, owns nothing and has no BYPASSRLS: the policies bind it.
-- Roles are cluster-wide, so two databases migrating at once may race to create it;
-- the exception handler makes the loser carry on.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flotilla_app') THEN
    CREATE ROLE flotilla_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;--> statement-breakpoint
-- The connecting user must be allowed to SET ROLE to it. A superuser always is. On
-- PostgreSQL 16+ that takes the SET option of the membership, which a CREATEROLE user
-- does not get by default for a role it creates (createrole_self_grant = ''); on 15,
-- membership is enough. A non-superuser needs ADMIN on the role to grant it to itself:
-- it has that when it created the role; otherwise a DBA grants it (see the README).
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    RETURN;
  END IF;
  IF current_setting('server_version_num')::int >= 160000 THEN
    IF NOT pg_has_role(current_user, 'flotilla_app', 'SET') THEN
      EXECUTE format('GRANT flotilla_app TO %I WITH INHERIT FALSE, SET TRUE', current_user);
    END IF;
  ELSIF NOT pg_has_role(current_user, 'flotilla_app', 'MEMBER') THEN
    EXECUTE format('GRANT flotilla_app TO %I', current_user);
  END IF;
END
$$;--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO flotilla_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO flotilla_app;--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO flotilla_app;--> statement-breakpoint
-- Tables that later migrations create get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO flotilla_app;--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO flotilla_app;
