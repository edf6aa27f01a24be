-- A read-only role for the query commands: they switch to it (SET ROLE) after
-- connecting, so a query can read the projection and change nothing. Creating a
-- role needs CREATEROLE; without it the migration leaves a notice, and the query
-- commands still run in read-only transactions.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'claimtrack_reader') THEN
        CREATE ROLE claimtrack_reader NOLOGIN;
    END IF;
    EXECUTE format('GRANT claimtrack_reader TO %I', current_user);
    GRANT USAGE ON SCHEMA public TO claimtrack_reader;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO claimtrack_reader;
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO claimtrack_reader;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO claimtrack_reader;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'claimtrack_reader not created: %', SQLERRM;
END
$$;
