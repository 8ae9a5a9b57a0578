-- Settlement batching (sippar.evm.networks.<alias>.batch.*): one Multicall3 aggregate3 transaction
-- may settle many payments, each as one call of it.
--
--   batch_index  the payment's position among the calls of its transaction, from 0; NULL when the
--                transaction settles this payment alone (every transaction before batching, Algorand)
--
-- V1's payment_tx_unique ("a chain transaction settles at most one payment") splits in two: a
-- transaction that settles a payment alone still names at most one payment, and each call of a batch
-- names at most one payment. Like tx_hash, the position may only change while the payment is settling
-- (a re-priced replacement carries the same calls; the reconciler may find the call in the
-- transaction the chain mined), and is final once the payment is settled or failed.
ALTER TABLE payment ADD COLUMN batch_index SMALLINT CHECK (batch_index >= 0);

DROP INDEX payment_tx_unique;
CREATE UNIQUE INDEX payment_tx_unique ON payment (network, tx_hash)
    WHERE tx_hash IS NOT NULL AND batch_index IS NULL;
CREATE UNIQUE INDEX payment_tx_call_unique ON payment (network, tx_hash, batch_index)
    WHERE tx_hash IS NOT NULL AND batch_index IS NOT NULL;

CREATE FUNCTION payment_batch_index_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.batch_index IS DISTINCT FROM OLD.batch_index AND OLD.state <> 'settling' THEN
        RAISE EXCEPTION 'payment % batch_index is final once the payment is %', OLD.id, OLD.state
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.batch_index IS NOT NULL AND NEW.tx_hash IS NULL THEN
        RAISE EXCEPTION 'payment % has a batch_index without a transaction', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payment_batch_index_guard BEFORE UPDATE ON payment
    FOR EACH ROW EXECUTE FUNCTION payment_batch_index_guard();
