-- Usage per merchant and calendar month (UTC), counted in the same transaction that marks a payment
-- settled, so the count can never drift from the ledger: it is what plans, overage and the 80% /
-- 100% notices are computed from.
CREATE TABLE merchant_usage (
    merchant_id   UUID NOT NULL REFERENCES merchant (id),
    period_start  DATE NOT NULL CHECK (extract(day FROM period_start) = 1),
    transactions  BIGINT NOT NULL DEFAULT 0 CHECK (transactions >= 0),
    fees_usd      NUMERIC(38, 18) NOT NULL DEFAULT 0 CHECK (fees_usd >= 0),
    PRIMARY KEY (merchant_id, period_start)
);
