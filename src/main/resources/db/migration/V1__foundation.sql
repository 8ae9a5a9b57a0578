-- Foundation schema: merchants, API keys, routes, payments (lifecycle + replay guard), journal.
-- Money is NUMERIC(78,0) atomic units (fits uint256). Every invariant that protects money is a
-- database constraint or trigger, so no code path (or second pod) can bypass it.

CREATE TABLE merchant (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    slug          TEXT NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    plan          TEXT NOT NULL DEFAULT 'developer',
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- API keys are stored as SHA-256 of the full secret; only the public prefix is kept in clear.
CREATE TABLE api_key (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    merchant_id   UUID REFERENCES merchant (id),
    role          TEXT NOT NULL CHECK (role IN ('admin', 'merchant')),
    prefix        TEXT NOT NULL UNIQUE CHECK (prefix ~ '^[A-Za-z0-9_]{8,32}$'),
    key_hash      BYTEA NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    label         TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at    TIMESTAMPTZ,
    -- operator keys belong to nobody; merchant keys always to exactly one merchant
    CONSTRAINT api_key_role_owner CHECK ((role = 'admin') = (merchant_id IS NULL))
);

CREATE TABLE route (
    id                   UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    merchant_id          UUID NOT NULL REFERENCES merchant (id),
    name                 TEXT NOT NULL,
    method               TEXT NOT NULL CHECK (method ~ '^([A-Z]{3,7}|\*)$'),
    host                 TEXT CHECK (host IS NULL OR host ~ '^[a-z0-9.-]+(:[0-9]{1,5})?$'),
    path_pattern         TEXT NOT NULL CHECK (path_pattern ~ '^/'),
    upstream_url         TEXT CHECK (upstream_url IS NULL OR upstream_url ~ '^(https?://[^/]|/)'),
    -- "$0.001" (USD, converted per asset) or an integer amount of atomic units
    price                TEXT NOT NULL CHECK (price ~ '^(\$[0-9]+(\.[0-9]{1,18})?|[0-9]{1,78})$'),
    description          TEXT NOT NULL DEFAULT '',
    mime_type            TEXT NOT NULL DEFAULT 'application/json',
    max_timeout_seconds  INTEGER NOT NULL DEFAULT 300 CHECK (max_timeout_seconds BETWEEN 1 AND 86400),
    settle_before_serve  BOOLEAN NOT NULL DEFAULT false,
    enabled              BOOLEAN NOT NULL DEFAULT true,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (merchant_id, name)
);
-- Two enabled routes can never claim the same method + path + host.
CREATE UNIQUE INDEX route_unique_match ON route (method, path_pattern, coalesce(host, '')) WHERE enabled;

-- What a route accepts: one row per (network, asset), in the order offered to clients.
CREATE TABLE route_accept (
    route_id   UUID NOT NULL REFERENCES route (id) ON DELETE CASCADE,
    position   SMALLINT NOT NULL CHECK (position >= 0),
    scheme     TEXT NOT NULL DEFAULT 'exact',
    network    TEXT NOT NULL CHECK (network ~ '^[-a-z0-9]{3,8}:[-_a-zA-Z0-9/+=]{1,64}$'),
    asset      TEXT NOT NULL,
    pay_to     TEXT NOT NULL,
    PRIMARY KEY (route_id, position),
    UNIQUE (route_id, scheme, network, asset)
);

-- One row per payment, keyed by its on-chain identity:
--   EVM:      network + asset + payer + EIP-3009 nonce
--   Algorand: network + asset + payer + payment txid
CREATE TABLE payment (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    merchant_id     UUID NOT NULL REFERENCES merchant (id),
    route_id        UUID REFERENCES route (id),
    x402_version    SMALLINT NOT NULL CHECK (x402_version IN (1, 2)),
    scheme          TEXT NOT NULL,
    network         TEXT NOT NULL,
    asset           TEXT NOT NULL,
    payer           TEXT NOT NULL,
    pay_to          TEXT NOT NULL,
    amount          NUMERIC(78, 0) NOT NULL CHECK (amount >= 0),
    chain_ref       TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'reserved'
                    CHECK (state IN ('reserved', 'verified', 'settling', 'settled', 'failed', 'released')),
    resource        TEXT,
    tx_hash         TEXT,
    failure_reason  TEXT,
    attempts        INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    settled_at      TIMESTAMPTZ,
    -- the replay guard, across every pod
    CONSTRAINT payment_onchain_identity UNIQUE (network, asset, payer, chain_ref),
    CONSTRAINT payment_settled_has_tx CHECK (state <> 'settled' OR (tx_hash IS NOT NULL AND settled_at IS NOT NULL)),
    CONSTRAINT payment_failed_has_reason CHECK (state <> 'failed' OR failure_reason IS NOT NULL)
);
-- A chain transaction settles at most one payment.
CREATE UNIQUE INDEX payment_tx_unique ON payment (network, tx_hash) WHERE tx_hash IS NOT NULL;
CREATE INDEX payment_state_age ON payment (state, updated_at) WHERE state IN ('reserved', 'verified', 'settling');
CREATE INDEX payment_merchant_time ON payment (merchant_id, created_at);

-- The lifecycle of ARCHITECTURE.md, enforced for every writer:
--   reserved -> verified -> settling -> settled | failed
--   reserved | verified -> released -> reserved (the authorization may be retried)
-- settled and failed are final; identity and amount never change after the insert.
CREATE FUNCTION payment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.network <> OLD.network OR NEW.asset <> OLD.asset OR NEW.payer <> OLD.payer
       OR NEW.chain_ref <> OLD.chain_ref OR NEW.amount <> OLD.amount OR NEW.pay_to <> OLD.pay_to THEN
        RAISE EXCEPTION 'payment % identity and amount are immutable', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    -- a released (never used) authorization may be spent at another merchant route that asks the same
    IF NEW.merchant_id <> OLD.merchant_id AND NOT (OLD.state = 'released' AND NEW.state = 'reserved') THEN
        RAISE EXCEPTION 'payment % merchant is fixed once reserved', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.state <> OLD.state AND NOT (
           (OLD.state = 'reserved' AND NEW.state IN ('verified', 'released', 'failed'))
        OR (OLD.state = 'verified' AND NEW.state IN ('settling', 'released', 'failed'))
        OR (OLD.state = 'settling' AND NEW.state IN ('settled', 'failed'))
        OR (OLD.state = 'released' AND NEW.state = 'reserved')) THEN
        RAISE EXCEPTION 'illegal payment transition % -> % for %', OLD.state, NEW.state, OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.tx_hash IS NOT NULL AND NEW.tx_hash IS DISTINCT FROM OLD.tx_hash THEN
        RAISE EXCEPTION 'payment % tx_hash is write-once', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER payment_guard BEFORE UPDATE ON payment FOR EACH ROW EXECUTE FUNCTION payment_guard();

CREATE FUNCTION payment_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payments are never deleted' USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER payment_no_delete BEFORE DELETE ON payment FOR EACH ROW EXECUTE FUNCTION payment_no_delete();

-- Double-entry journal. An entry groups postings whose amounts sum to zero per asset.
CREATE TABLE journal_entry (
    id               BIGSERIAL PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('settlement', 'adjustment', 'payout', 'reversal')),
    payment_id       UUID REFERENCES payment (id),
    -- the same business event can only be recorded once (retry, second pod, reconciler)
    idempotency_key  TEXT NOT NULL UNIQUE,
    network          TEXT,
    tx_hash          TEXT,
    memo             TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT settlement_has_payment CHECK (kind <> 'settlement' OR (payment_id IS NOT NULL AND tx_hash IS NOT NULL))
);
CREATE UNIQUE INDEX journal_one_settlement_per_payment ON journal_entry (payment_id) WHERE kind = 'settlement';

CREATE TABLE posting (
    id        BIGSERIAL PRIMARY KEY,
    entry_id  BIGINT NOT NULL REFERENCES journal_entry (id),
    -- e.g. payer:eip155:8453:0xabc..., merchant:<uuid>, gateway:fee_revenue
    account   TEXT NOT NULL CHECK (account ~ '^[a-z_]+:.+$'),
    asset     TEXT NOT NULL,
    -- signed: positive = debit, negative = credit
    amount    NUMERIC(78, 0) NOT NULL CHECK (amount <> 0)
);
CREATE INDEX posting_entry ON posting (entry_id);
CREATE INDEX posting_account ON posting (account, asset);

-- Checked at commit, so an entry's postings can be inserted one by one inside a transaction.
CREATE FUNCTION posting_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad RECORD;
BEGIN
    SELECT asset, sum(amount) AS total INTO bad FROM posting
     WHERE entry_id = NEW.entry_id GROUP BY asset HAVING sum(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance for asset %: %', NEW.entry_id, bad.asset, bad.total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER posting_balanced AFTER INSERT ON posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION posting_balanced();

-- The ledger is append-only: corrections are new entries, never edits.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER posting_append_only BEFORE UPDATE OR DELETE ON posting
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON journal_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- Whole-ledger invariant, for checks and monitoring: returns the entries that do not balance.
CREATE VIEW ledger_unbalanced_entries AS
    SELECT entry_id, asset, sum(amount) AS total FROM posting GROUP BY entry_id, asset HAVING sum(amount) <> 0;
