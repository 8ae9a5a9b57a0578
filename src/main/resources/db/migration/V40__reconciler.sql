-- The reconciler: finishes payments a crash, an outage or a lost broadcast left in reserved,
-- verified or settling, from the chain's truth, with one owner per row across every pod.
--
--   valid_before        when the chain stops accepting the payment (EVM: the authorization's
--                       validBefore); after it, an unused authorization can never be executed
--   state_changed_at    when the row entered its current state; the reconciler's deadlines count
--                       from here (updated_at also moves for lease bookkeeping)
--   reconcile_owner     the pod holding the row's lease, while it looks the payment up
--   reconcile_until     end of that lease, or when an undecided row is due to be looked at again
--   reconcile_attempts  how many times a reconciler has claimed the row
--   reconcile_note      the evidence of the last look (what the chain said), for operators
ALTER TABLE payment
    ADD COLUMN valid_before TIMESTAMPTZ,
    ADD COLUMN state_changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN reconcile_owner TEXT,
    ADD COLUMN reconcile_until TIMESTAMPTZ,
    ADD COLUMN reconcile_attempts INTEGER NOT NULL DEFAULT 0 CHECK (reconcile_attempts >= 0),
    ADD COLUMN reconcile_note TEXT;

-- The reconciler's queue: open rows by age in their state.
CREATE INDEX payment_reconcile_queue ON payment (state_changed_at)
    WHERE state IN ('reserved', 'verified', 'settling');

-- V4's guard (V1's, with a released row taking the next attempt's terms), with two changes:
--  * state_changed_at follows every state change;
--  * while a payment is settling its tx_hash may be replaced by another hash (a re-priced
--    replacement at the same nonce, or the transaction the chain actually mined, which the
--    reconciler finds by the authorization's event), never erased; once settled or failed it is final.
CREATE OR REPLACE FUNCTION payment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.network <> OLD.network OR NEW.asset <> OLD.asset OR NEW.payer <> OLD.payer
       OR NEW.chain_ref <> OLD.chain_ref THEN
        RAISE EXCEPTION 'payment % identity is immutable', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF (NEW.amount <> OLD.amount OR NEW.pay_to <> OLD.pay_to OR NEW.scheme <> OLD.scheme)
       AND NOT (OLD.state = 'released' AND NEW.state = 'reserved' AND OLD.tx_hash IS NULL) THEN
        RAISE EXCEPTION 'payment % amount and payee are immutable once reserved', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    -- a released (never used) authorization may be spent at another merchant route
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
    IF OLD.tx_hash IS NOT NULL AND NEW.tx_hash IS DISTINCT FROM OLD.tx_hash
       AND NOT (OLD.state = 'settling' AND NEW.tx_hash IS NOT NULL) THEN
        RAISE EXCEPTION 'payment % tx_hash is final once the payment is %', OLD.id, OLD.state
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.state <> OLD.state THEN
        NEW.state_changed_at := now();
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END $$;
