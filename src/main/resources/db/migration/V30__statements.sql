-- Statements, period close and adjustments.
--
-- A settled payment is billed on exactly one statement: `billed_period`, the month of its settlement
-- unless that month's statement is already closed, in which case the first later month that is still
-- open (an adjustment there, never an edit of the closed statement). It is assigned by trigger for every
-- writer, under an advisory lock per merchant and month that the close takes exclusively, so a
-- settlement racing a close is either in the frozen statement or in the next one, never in neither or
-- both. Closed statements and their lines are immutable, like the journal.

ALTER TABLE payment ADD COLUMN billed_period DATE
    CHECK (billed_period IS NULL OR extract(day FROM billed_period) = 1);
ALTER TABLE payment ADD CONSTRAINT payment_settled_is_billed
    CHECK (state <> 'settled' OR billed_period IS NOT NULL) NOT VALID;

CREATE TABLE statement (
    id                     BIGSERIAL PRIMARY KEY,
    merchant_id            UUID NOT NULL REFERENCES merchant (id),
    period_start           DATE NOT NULL CHECK (extract(day FROM period_start) = 1),
    closed_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- 'operator:<api key id>' or 'scheduler'
    closed_by              TEXT NOT NULL,
    plan_id                TEXT NOT NULL,
    plan_name              TEXT NOT NULL,
    billing_period         TEXT NOT NULL CHECK (billing_period IN ('month', 'year')),
    commitment_years       SMALLINT NOT NULL CHECK (commitment_years >= 1),
    included_transactions  BIGINT CHECK (included_transactions >= 0),
    overage_price_usd      NUMERIC(38, 18) NOT NULL CHECK (overage_price_usd >= 0),
    transactions           BIGINT NOT NULL CHECK (transactions >= 0),
    overage_transactions   BIGINT NOT NULL CHECK (overage_transactions >= 0),
    volume_usd             NUMERIC(38, 18) NOT NULL,
    fees_usd               NUMERIC(38, 18) NOT NULL,
    subscription_usd       NUMERIC(38, 18) NOT NULL,
    discount_usd           NUMERIC(38, 18) NOT NULL,
    overage_usd            NUMERIC(38, 18) NOT NULL,
    adjustments_usd        NUMERIC(38, 18) NOT NULL,
    total_exact_usd        NUMERIC(38, 18) NOT NULL,
    total_due_usd          NUMERIC(38, 2) NOT NULL,
    CONSTRAINT statement_one_per_period UNIQUE (merchant_id, period_start)
);
CREATE INDEX statement_period ON statement (period_start);

-- The frozen lines of a statement: volume and fee breakdowns and the charges that make up the total.
CREATE TABLE statement_line (
    statement_id    BIGINT NOT NULL REFERENCES statement (id),
    position        INTEGER NOT NULL CHECK (position >= 0),
    section         TEXT NOT NULL CHECK (section IN ('volume', 'fees_by_band', 'fees_by_network', 'charge')),
    kind            TEXT NOT NULL,
    description     TEXT NOT NULL,
    period_start    DATE,
    band            TEXT,
    network         TEXT,
    asset           TEXT,
    decimals        SMALLINT,
    transactions    BIGINT,
    volume_atomic   NUMERIC(78, 0),
    fee_atomic      NUMERIC(78, 0),
    quantity        NUMERIC(38, 18),
    unit_price_usd  NUMERIC(38, 18),
    amount_usd      NUMERIC(38, 18),
    PRIMARY KEY (statement_id, position)
);

CREATE TRIGGER statement_immutable BEFORE UPDATE OR DELETE ON statement
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER statement_line_immutable BEFORE UPDATE OR DELETE ON statement_line
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- Lines belong to the transaction that closed their statement: nothing can be added to it later.
CREATE FUNCTION statement_line_in_closing_tx() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM statement WHERE id = NEW.statement_id AND xmin = pg_current_xact_id()::xid) THEN
        RAISE EXCEPTION 'statement % is closed: lines can only be written by the transaction that closes it',
            NEW.statement_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER statement_line_in_closing_tx BEFORE INSERT ON statement_line
    FOR EACH ROW EXECUTE FUNCTION statement_line_in_closing_tx();

-- The lock that orders settlements (shared) and the close (exclusive) of one merchant's month.
CREATE FUNCTION statement_lock_key(merchant UUID, period DATE) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE AS $$ SELECT hashtextextended('statement:' || merchant::text || ':' || period::text, 0) $$;

CREATE FUNCTION payment_billing_period() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    month DATE;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.billed_period IS NOT NULL THEN
        IF NEW.billed_period IS DISTINCT FROM OLD.billed_period THEN
            RAISE EXCEPTION 'payment % billed_period is write-once', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.state <> 'settled' THEN
        IF NEW.billed_period IS NOT NULL THEN
            RAISE EXCEPTION 'payment % is not settled and cannot be billed', NEW.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    -- Always decided here, never by the writer: the first month from the settlement's on whose
    -- statement is not closed. Each month's lock is held to commit, so its close waits for us.
    month := date_trunc('month', NEW.settled_at AT TIME ZONE 'UTC')::date;
    LOOP
        PERFORM pg_advisory_xact_lock_shared(statement_lock_key(NEW.merchant_id, month));
        EXIT WHEN NOT EXISTS (SELECT 1 FROM statement WHERE merchant_id = NEW.merchant_id AND period_start = month);
        month := (month + interval '1 month')::date;
    END LOOP;
    NEW.billed_period := month;
    RETURN NEW;
END $$;
CREATE TRIGGER payment_billing_period BEFORE INSERT OR UPDATE ON payment
    FOR EACH ROW EXECUTE FUNCTION payment_billing_period();

-- Payments settled before statements existed are billed in their settlement month.
ALTER TABLE payment DISABLE TRIGGER payment_guard;
UPDATE payment SET billed_period = date_trunc('month', settled_at AT TIME ZONE 'UTC')::date
 WHERE state = 'settled' AND billed_period IS NULL;
ALTER TABLE payment ENABLE TRIGGER payment_guard;
ALTER TABLE payment VALIDATE CONSTRAINT payment_settled_is_billed;

-- A statement aggregates one merchant's month and pages its payments in settlement order. The
-- aggregated columns are included so the month can be summed by an index-only scan of that merchant's
-- range, however many other merchants' payments the month's heap pages hold.
CREATE INDEX payment_billed ON payment (merchant_id, billed_period, settled_at, id)
    INCLUDE (network, asset, fee_band, amount, fee_atomic, fee_usd) WHERE state = 'settled';
-- Operator analytics scan every merchant's settlements in a date range.
CREATE INDEX payment_settled_at ON payment (settled_at) WHERE state = 'settled';
