-- The fee charged on each settled payment, by the schedule version in force when it settled, so
-- every statement line can be traced to a payment, its chain transaction and the rule applied.
ALTER TABLE payment
    ADD COLUMN fee_atomic NUMERIC(78, 0) CHECK (fee_atomic >= 0),
    ADD COLUMN fee_usd NUMERIC(38, 18) CHECK (fee_usd >= 0),
    ADD COLUMN fee_band TEXT,
    ADD COLUMN fee_schedule_version TEXT,
    ADD COLUMN fee_rule TEXT,
    ADD CONSTRAINT payment_settled_has_fee CHECK (state <> 'settled' OR fee_atomic IS NOT NULL),
    ADD CONSTRAINT payment_fee_within_amount CHECK (fee_atomic IS NULL OR fee_atomic <= amount);
