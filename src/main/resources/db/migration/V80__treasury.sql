-- Treasury mode (README "Treasury mode"): payments of treasury-mode merchants pay the gateway's
-- treasury on each network; the ledger holds the merchant's share as a payable balance, and payouts
-- (written before they are broadcast, confirmed from the chain) pay it to the merchant's own address.
--
-- Chart of accounts (positive = the account receives; every entry sums to zero per asset):
--   treasury:<network>:<address>            what the treasury holds on chain (checked against the chain)
--   treasury_liability:<network>:<address>  what the treasury owes: minus (payables + fee revenue held)
--   merchant_payable:<merchant id>          what the treasury owes a merchant, per asset
--   merchant:<merchant id>                  what reached the merchant on chain (as in direct mode)
--   gateway:fee_revenue                     fees, in every mode
--   treasury_gas:<network>:<signer>         the native coin the treasury key spends on payout fees
--   gateway:network_fees                    those fees as the gateway's expense
--   gateway:treasury_adjustment             differences an operator booked when clearing a mismatch

ALTER TABLE merchant ADD COLUMN settlement_mode TEXT NOT NULL DEFAULT 'direct'
    CHECK (settlement_mode IN ('direct', 'treasury'));
-- a merchant's 402s name the treasury or its own address: every pod reloads its routes on a change
CREATE TRIGGER merchant_settlement_mode_notify AFTER UPDATE OF settlement_mode ON merchant
    FOR EACH STATEMENT EXECUTE FUNCTION notify_routes();

-- The configured treasury of each network, written at start. The payTo of treasury-mode payments is
-- `address` (EVM: the SipparDisburser contract; Algorand: the treasury account); `signer` is the key
-- that moves it (EVM: the EOA owning the contract and paying gas; Algorand: the account itself).
CREATE TABLE treasury_account (
    network     TEXT PRIMARY KEY,
    address     TEXT NOT NULL,
    signer      TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- An authorization paying a treasury belongs to the first merchant it was presented for (a route's
-- request, or that merchant's /verify or /settle): the payer's signature does not name a merchant,
-- and two merchants' treasury requirements can be identical, so this is what attributes it.
CREATE TABLE treasury_claim (
    network      TEXT NOT NULL,
    asset        TEXT NOT NULL,
    payer        TEXT NOT NULL,
    chain_ref    TEXT NOT NULL,
    merchant_id  UUID NOT NULL REFERENCES merchant (id),
    via          TEXT NOT NULL CHECK (via IN ('route', 'verify', 'settle')),
    claimed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (network, asset, payer, chain_ref)
);
CREATE TRIGGER treasury_claim_append_only BEFORE UPDATE OR DELETE ON treasury_claim
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- Whether a settled payment paid a treasury (false: the merchant's own address, or settled before V80).
ALTER TABLE payment ADD COLUMN treasury BOOLEAN NOT NULL DEFAULT false;

-- Decided by the database for every writer when a payment becomes settled: it paid a treasury if its
-- payTo is one, and then only the merchant that claimed the authorization can be credited.
CREATE FUNCTION payment_treasury_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.treasury IS DISTINCT FROM OLD.treasury AND NOT (NEW.state = 'settled' AND OLD.state <> 'settled') THEN
        RAISE EXCEPTION 'payment % treasury flag is set at settlement only', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.state = 'settled' AND OLD.state <> 'settled' THEN
        NEW.treasury := EXISTS (SELECT 1 FROM treasury_account t
                                 WHERE t.network = NEW.network AND lower(t.address) = lower(NEW.pay_to));
        IF NEW.treasury AND NOT EXISTS (
               SELECT 1 FROM treasury_claim c
                WHERE c.network = NEW.network AND c.asset = NEW.asset AND c.payer = NEW.payer
                  AND c.chain_ref = NEW.chain_ref AND c.merchant_id = NEW.merchant_id) THEN
            RAISE EXCEPTION 'payment % pays the treasury of % but its authorization is not claimed by merchant %',
                NEW.id, NEW.network, NEW.merchant_id USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payment_treasury_guard BEFORE UPDATE ON payment FOR EACH ROW EXECUTE FUNCTION payment_treasury_guard();

-- Where a merchant is paid on a network, and from which balance. A merchant's own change of address
-- waits in `pending_*` until `pending_effective_at` (or an operator's approval); payouts always go to
-- `address`, the one in effect.
CREATE TABLE payout_account (
    merchant_id           UUID NOT NULL REFERENCES merchant (id),
    network               TEXT NOT NULL,
    address               TEXT,
    pending_address       TEXT,
    pending_effective_at  TIMESTAMPTZ,
    pending_requested_by  TEXT,
    -- "$10" (USD, converted to the asset) or an integer of atomic units; NULL = the configured default
    threshold             TEXT CHECK (threshold IS NULL OR threshold ~ '^(\$[0-9]+(\.[0-9]{1,18})?|[0-9]{1,78})$'),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (merchant_id, network),
    CONSTRAINT payout_account_pending CHECK ((pending_address IS NULL) = (pending_effective_at IS NULL))
);

-- Every change of a payout address, for audit (append-only).
CREATE TABLE payout_address_event (
    id           BIGSERIAL PRIMARY KEY,
    merchant_id  UUID NOT NULL REFERENCES merchant (id),
    network      TEXT NOT NULL,
    action       TEXT NOT NULL CHECK (action IN ('requested', 'effective', 'approved', 'cancelled', 'set')),
    address      TEXT,
    actor        TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX payout_address_event_merchant ON payout_address_event (merchant_id, network, at);
CREATE TRIGGER payout_address_event_append_only BEFORE UPDATE OR DELETE ON payout_address_event
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- One payout transaction (EVM: one disburse call; Algorand: one group), written with its signed bytes
-- before anything is broadcast:
--   prepared -> broadcast -> confirmed            the chain executed it (items paid or failed one by one)
--       \           \-> failed                    the chain can no longer execute it: nothing moved
--        \-> held                                  the chain's answer cannot be decided: an operator resolves
-- At most one is unfinished per network, so a second pod (or a second run) can never sign another
-- transaction over the same balances or the same EVM nonce.
CREATE TABLE payout (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    network       TEXT NOT NULL,
    asset         TEXT NOT NULL,
    treasury      TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'prepared'
                  CHECK (state IN ('prepared', 'broadcast', 'confirmed', 'failed', 'held')),
    -- EVM: the nonce every signed version uses; Algorand: the group's last valid round
    sequence      BIGINT NOT NULL,
    tx_id         TEXT,
    network_fee   NUMERIC(78, 0) CHECK (network_fee IS NULL OR network_fee >= 0),
    fee_asset     TEXT,
    reason        TEXT,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    broadcast_at  TIMESTAMPTZ,
    finished_at   TIMESTAMPTZ,
    CONSTRAINT payout_finished CHECK ((state IN ('confirmed', 'failed')) = (finished_at IS NOT NULL)),
    CONSTRAINT payout_confirmed_has_tx CHECK (state <> 'confirmed' OR (tx_id IS NOT NULL AND network_fee IS NOT NULL))
);
CREATE UNIQUE INDEX payout_one_open_per_network ON payout (network) WHERE state IN ('prepared', 'broadcast', 'held');
CREATE INDEX payout_created ON payout (created_at);

CREATE FUNCTION payout_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.network <> OLD.network OR NEW.asset <> OLD.asset OR NEW.treasury <> OLD.treasury
       OR NEW.sequence <> OLD.sequence THEN
        RAISE EXCEPTION 'payout % identity is immutable', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.state <> OLD.state AND NOT (
           (OLD.state = 'prepared' AND NEW.state IN ('broadcast', 'confirmed', 'failed', 'held'))
        OR (OLD.state = 'broadcast' AND NEW.state IN ('confirmed', 'failed', 'held'))
        OR (OLD.state = 'held' AND NEW.state IN ('confirmed', 'failed'))) THEN
        RAISE EXCEPTION 'illegal payout transition % -> % for %', OLD.state, NEW.state, OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.state IN ('confirmed', 'failed') AND NEW IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'payout % is final', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payout_guard BEFORE UPDATE ON payout FOR EACH ROW EXECUTE FUNCTION payout_guard();
CREATE TRIGGER payout_no_delete BEFORE DELETE ON payout FOR EACH ROW EXECUTE FUNCTION payment_no_delete();

-- Every signed version of a payout's transaction (EVM: a replacement at the same nonce is another
-- version; Algorand: the group, once), stored before it is sent so any pod can send it again.
CREATE TABLE payout_transaction (
    payout_id   UUID NOT NULL REFERENCES payout (id),
    version     SMALLINT NOT NULL CHECK (version >= 0),
    tx_id       TEXT NOT NULL,
    signed      BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (payout_id, version)
);
CREATE UNIQUE INDEX payout_transaction_tx ON payout_transaction (tx_id);
CREATE TRIGGER payout_transaction_append_only BEFORE UPDATE OR DELETE ON payout_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- The transfers of a payout. chain_index is the transfer's place in the transaction (NULL: left out
-- before signing, with the reason, e.g. a receiver the simulation showed cannot receive).
CREATE TABLE payout_item (
    payout_id       UUID NOT NULL REFERENCES payout (id),
    position        SMALLINT NOT NULL CHECK (position >= 0),
    merchant_id     UUID NOT NULL REFERENCES merchant (id),
    address         TEXT NOT NULL,
    amount          NUMERIC(78, 0) NOT NULL CHECK (amount > 0),
    chain_index     SMALLINT CHECK (chain_index IS NULL OR chain_index >= 0),
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'paid', 'failed')),
    tx_id           TEXT,
    failure_reason  TEXT,
    PRIMARY KEY (payout_id, position),
    UNIQUE (payout_id, chain_index),
    UNIQUE (payout_id, merchant_id),
    CONSTRAINT payout_item_failed_has_reason CHECK (state <> 'failed' OR failure_reason IS NOT NULL),
    CONSTRAINT payout_item_left_out_failed CHECK (chain_index IS NOT NULL OR state = 'failed')
);
CREATE INDEX payout_item_merchant ON payout_item (merchant_id, payout_id);

CREATE FUNCTION payout_item_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.payout_id <> OLD.payout_id OR NEW.position <> OLD.position OR NEW.merchant_id <> OLD.merchant_id
       OR NEW.address <> OLD.address OR NEW.amount <> OLD.amount OR NEW.chain_index IS DISTINCT FROM OLD.chain_index THEN
        RAISE EXCEPTION 'payout item %/% is immutable but for its outcome', OLD.payout_id, OLD.position
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.state <> 'pending' AND NEW IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'payout item %/% is final', OLD.payout_id, OLD.position USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payout_item_guard BEFORE UPDATE ON payout_item FOR EACH ROW EXECUTE FUNCTION payout_item_guard();
CREATE TRIGGER payout_item_no_delete BEFORE DELETE ON payout_item FOR EACH ROW EXECUTE FUNCTION payment_no_delete();

-- Treasury hygiene per network and asset: the last comparison of the chain's balance with the ledger,
-- and whether payouts of that asset are stopped until an operator clears a mismatch.
CREATE TABLE treasury_check (
    network          TEXT NOT NULL,
    asset            TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'mismatch')),
    chain_balance    NUMERIC(78, 0),
    ledger_balance   NUMERIC(78, 0),
    settling         NUMERIC(78, 0),
    detail           TEXT,
    checked_at       TIMESTAMPTZ,
    mismatch_since   TIMESTAMPTZ,
    cleared_at       TIMESTAMPTZ,
    cleared_by       TEXT,
    cleared_note     TEXT,
    PRIMARY KEY (network, asset),
    CONSTRAINT treasury_check_mismatch_since CHECK ((status = 'mismatch') = (mismatch_since IS NOT NULL))
);

-- One owner at a time for the payout job across pods (a lease, renewed while it runs).
CREATE TABLE treasury_job_lease (
    name         TEXT PRIMARY KEY,
    owner        TEXT,
    lease_until  TIMESTAMPTZ,
    last_run_at  TIMESTAMPTZ
);
INSERT INTO treasury_job_lease (name) VALUES ('payouts');
