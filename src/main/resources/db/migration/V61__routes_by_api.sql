-- Routes managed through the merchant/admin API next to the configured ones, and the notification
-- every pod listens to so a change is served everywhere without a restart.

-- Who owns a route: 'configuration' (written at every start from sippar.pricing.routes; read-only
-- in the API) or 'api'. Every route before this migration came from configuration.
ALTER TABLE route ADD COLUMN source TEXT NOT NULL DEFAULT 'configuration'
    CHECK (source IN ('configuration', 'api'));
ALTER TABLE route ALTER COLUMN source SET DEFAULT 'api';

-- A deleted route keeps its row (payments reference it) but frees its name and its method + path.
ALTER TABLE route ADD COLUMN deleted_at TIMESTAMPTZ;
ALTER TABLE route ADD CONSTRAINT route_deleted_is_disabled CHECK (deleted_at IS NULL OR NOT enabled);
ALTER TABLE route DROP CONSTRAINT route_merchant_id_name_key;
CREATE UNIQUE INDEX route_live_name ON route (merchant_id, name) WHERE deleted_at IS NULL;

CREATE FUNCTION notify_routes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- one constant payload: Postgres folds repeats within a transaction into one notification
    PERFORM pg_notify('sippar_routes', '');
    RETURN NULL;
END $$;
CREATE TRIGGER route_notify AFTER INSERT OR UPDATE OR DELETE ON route
    FOR EACH STATEMENT EXECUTE FUNCTION notify_routes();
CREATE TRIGGER route_accept_notify AFTER INSERT OR UPDATE OR DELETE ON route_accept
    FOR EACH STATEMENT EXECUTE FUNCTION notify_routes();
-- a suspended merchant's routes stop being served
CREATE TRIGGER merchant_status_notify AFTER UPDATE OF status ON merchant
    FOR EACH STATEMENT EXECUTE FUNCTION notify_routes();
