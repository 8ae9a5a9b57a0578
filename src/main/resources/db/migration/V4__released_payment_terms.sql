-- A released payment never moved money (release happens only before settling, and only settling
-- rows carry a transaction), so the amount and payee it was reserved with mean nothing. Keeping them
-- fixed let anyone holding a copy of an authorization present it first with other terms and so
-- make the real payment unusable ("presented before with other terms"). Now the next attempt's
-- terms replace a released row's; everything else stays as V1 enforced it.
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
    IF OLD.tx_hash IS NOT NULL AND NEW.tx_hash IS DISTINCT FROM OLD.tx_hash THEN
        RAISE EXCEPTION 'payment % tx_hash is write-once', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END $$;
