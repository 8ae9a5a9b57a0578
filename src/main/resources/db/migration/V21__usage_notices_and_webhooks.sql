-- The 80% / 100% usage notices: an outbox written in the settlement transaction that crosses the
-- threshold, delivered asynchronously to the merchant's webhook, every attempt recorded.

-- The highest threshold already notified for the month, read under the counter's row lock, so the
-- settlement that crosses a threshold is the only one that writes its notice.
ALTER TABLE merchant_usage ADD COLUMN notified_threshold SMALLINT NOT NULL DEFAULT 0
    CHECK (notified_threshold IN (0, 80, 100));

CREATE TABLE usage_notice (
    id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    merchant_id      UUID NOT NULL REFERENCES merchant (id),
    period_start     DATE NOT NULL CHECK (extract(day FROM period_start) = 1),
    threshold        SMALLINT NOT NULL CHECK (threshold IN (80, 100)),
    used             BIGINT NOT NULL CHECK (used >= 0),
    included         BIGINT NOT NULL CHECK (included >= 1),
    plan_id          TEXT NOT NULL REFERENCES plan (id),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- delivery state: pending until a 2xx (delivered), given up (failed), or nowhere to send (no_webhook)
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'no_webhook')),
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- attempts allowed in total; NULL = sippar.billing.webhooks.max-attempts (a redelivery raises it)
    attempt_limit    INTEGER CHECK (attempt_limit IS NULL OR attempt_limit >= 1),
    next_attempt_at  TIMESTAMPTZ,
    -- the pod delivering it holds a lease, so a crashed pod's delivery is retried after it expires
    lease_token      UUID,
    lease_until      TIMESTAMPTZ,
    delivered_at     TIMESTAMPTZ,
    CONSTRAINT usage_notice_once UNIQUE (merchant_id, period_start, threshold),
    CONSTRAINT usage_notice_pending_is_scheduled CHECK (status <> 'pending' OR next_attempt_at IS NOT NULL)
);
CREATE INDEX usage_notice_due ON usage_notice (next_attempt_at) WHERE status = 'pending';
CREATE INDEX usage_notice_merchant ON usage_notice (merchant_id, created_at DESC);

CREATE TABLE notice_delivery (
    notice_id        UUID NOT NULL REFERENCES usage_notice (id),
    attempt          INTEGER NOT NULL CHECK (attempt >= 1),
    attempted_at     TIMESTAMPTZ NOT NULL,
    url              TEXT,
    status_code      INTEGER,
    error            TEXT,
    duration_ms      INTEGER,
    -- when the next attempt is due; NULL when this one delivered it or the notice was given up
    next_attempt_at  TIMESTAMPTZ,
    PRIMARY KEY (notice_id, attempt)
);
CREATE TRIGGER notice_delivery_append_only BEFORE UPDATE OR DELETE ON notice_delivery
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- One webhook endpoint per merchant. The signing secret must be usable (HMAC), so it is stored
-- encrypted (AES-256-GCM under the operator's key, bound to the merchant id), never in clear.
CREATE TABLE merchant_webhook (
    merchant_id        UUID PRIMARY KEY REFERENCES merchant (id),
    url                TEXT NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
    secret_ciphertext  BYTEA NOT NULL,
    secret_nonce       BYTEA NOT NULL CHECK (octet_length(secret_nonce) = 12),
    key_id             TEXT NOT NULL,
    secret_prefix      TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    secret_rotated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
