-- Network fees the gateway pays to settle (gas on EVM, fee-payer fees on Algorand), counted against
-- ceilings per merchant and per network for each period. Checked before every broadcast: a
-- settlement first holds its worst-case fee (gas limit x max fee per gas), which must fit under the
-- ceiling together with what is already held and spent; once its receipt is in, the hold becomes
-- the fee actually paid. Every change is an increment under the counter row's lock, so concurrent
-- settlements on many pods can never overshoot a ceiling.
CREATE TABLE gas_spend (
    -- 'merchant:<uuid>' (one merchant's settlements) or 'network' (all merchants')
    scope         TEXT NOT NULL CHECK (scope = 'network' OR scope ~ '^merchant:[0-9a-f-]{36}$'),
    network       TEXT NOT NULL,
    period_start  TIMESTAMPTZ NOT NULL,
    held          NUMERIC(78, 0) NOT NULL DEFAULT 0 CHECK (held >= 0),
    spent         NUMERIC(78, 0) NOT NULL DEFAULT 0 CHECK (spent >= 0),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, network, period_start)
);

-- One hold per settled payment: what it reserved, in which counters, and how it ended.
CREATE TABLE gas_hold (
    payment_id    UUID PRIMARY KEY REFERENCES payment (id),
    network       TEXT NOT NULL,
    period_start  TIMESTAMPTZ NOT NULL,
    scopes        TEXT[] NOT NULL,
    held          NUMERIC(78, 0) NOT NULL CHECK (held >= 0),
    spent         NUMERIC(78, 0) CHECK (spent >= 0),
    state         TEXT NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'charged', 'released')),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT gas_hold_charged_has_spent CHECK ((state = 'charged') = (spent IS NOT NULL))
);
CREATE INDEX gas_hold_open ON gas_hold (created_at) WHERE state = 'held';
