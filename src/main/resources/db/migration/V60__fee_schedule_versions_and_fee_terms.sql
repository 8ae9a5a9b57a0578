-- Fee schedule versions as data, and the merchant terms the fee calculator needs (home network,
-- cross-chain tier, AI-agent pricing, the month's agent volume).

-- One row per schedule version. The document is the version in the file format of fees/FEES.md
-- (sippar-fee-schedules/1 with exactly this one version), validated by the loader before insert.
-- A settlement picks the version with the greatest effective_from <= its settled_at, inside its own
-- transaction, so every pod charges by the same version whatever its cache holds.
CREATE TABLE fee_schedule (
    version         TEXT PRIMARY KEY CHECK (version ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    -- two versions from the same instant would make "the one in force" ambiguous
    effective_from  TIMESTAMPTZ NOT NULL UNIQUE,
    document        TEXT NOT NULL CHECK (length(document) BETWEEN 2 AND 1000000),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- 'configuration:<source>' or 'api-key:<key id>'
    created_by      TEXT NOT NULL CHECK (length(created_by) BETWEEN 1 AND 200)
);

-- A new version must not re-price the past: every settled payment it would cover (settled at or
-- after its effective_from and before the next version's) must already have been charged by it.
-- The API only inserts future versions; this guards the start-up import of a schedule file too.
CREATE FUNCTION fee_schedule_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next_from TIMESTAMPTZ;
    clash RECORD;
BEGIN
    IF NEW.effective_from > now() THEN
        -- nothing can have settled in the future: skip the scan of the payments
        RETURN NEW;
    END IF;
    SELECT min(effective_from) INTO next_from FROM fee_schedule WHERE effective_from > NEW.effective_from;
    SELECT id, settled_at, fee_schedule_version INTO clash FROM payment
     WHERE state = 'settled' AND settled_at >= NEW.effective_from
       AND (next_from IS NULL OR settled_at < next_from)
       AND fee_schedule_version IS DISTINCT FROM NEW.version AND fee_schedule_version <> 'none'
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'fee schedule % from % would re-price payment % settled at % under version %',
            NEW.version, NEW.effective_from, clash.id, clash.settled_at, clash.fee_schedule_version
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER fee_schedule_insert_guard BEFORE INSERT ON fee_schedule
    FOR EACH ROW EXECUTE FUNCTION fee_schedule_insert_guard();

-- Versions never change; only one that has not taken effect (and charged nothing) may be withdrawn.
CREATE FUNCTION fee_schedule_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'fee schedule % is immutable; add a new version instead', OLD.version
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.effective_from <= now() THEN
        RAISE EXCEPTION 'fee schedule % has taken effect and can no longer be deleted', OLD.version
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER fee_schedule_immutable BEFORE UPDATE OR DELETE ON fee_schedule
    FOR EACH ROW EXECUTE FUNCTION fee_schedule_immutable();

-- Every pod LISTENs on this channel and reloads its copy; the notification is sent by the database
-- at commit whoever wrote (API, another pod, an operator's psql).
CREATE FUNCTION notify_fee_schedules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sippar_fee_schedules', TG_OP);
    RETURN NULL;
END $$;
CREATE TRIGGER fee_schedule_notify AFTER INSERT OR DELETE ON fee_schedule
    FOR EACH STATEMENT EXECUTE FUNCTION notify_fee_schedules();

-- The fee inputs a merchant's contract sets (operator-only, through PATCH /admin/merchants/{id}):
--   home_network: a payment settled on another network pays the cross-chain fee; NULL = none;
--   cross_chain_tier: which cross-chain rate of the schedule applies;
--   agent_pricing: every payment to this merchant is an AI-agent transaction (agent rate, volume tiers).
ALTER TABLE merchant
    ADD COLUMN home_network TEXT CHECK (home_network IS NULL OR home_network ~ '^[-a-z0-9]{3,8}:[-_a-zA-Z0-9/+=]{1,64}$'),
    ADD COLUMN cross_chain_tier TEXT NOT NULL DEFAULT 'standard' CHECK (cross_chain_tier ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    ADD COLUMN agent_pricing BOOLEAN NOT NULL DEFAULT false;

-- The month's AI-agent transactions, counted with the others in the settlement's transaction: the
-- volume that selects the agent rate tier of the next one.
ALTER TABLE merchant_usage
    ADD COLUMN agent_transactions BIGINT NOT NULL DEFAULT 0 CHECK (agent_transactions >= 0),
    ADD CONSTRAINT merchant_usage_agent_within_total CHECK (agent_transactions <= transactions);
