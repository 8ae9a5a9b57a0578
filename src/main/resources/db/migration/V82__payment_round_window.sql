-- Algorand payments are valid by round, not by time: the group can only be committed from its
-- first-valid to its last-valid round. The reconciler judges a lost group by the chain's own round
-- with these, never by a clock (V40's valid_before stays the time bound of EVM authorizations).
--
--   valid_from_round   the largest first-valid round of the group
--   valid_until_round  the smallest last-valid round of the group; past it nothing can commit it
ALTER TABLE payment
    ADD COLUMN valid_from_round BIGINT,
    ADD COLUMN valid_until_round BIGINT,
    ADD CONSTRAINT payment_round_window CHECK (
        (valid_from_round IS NULL AND valid_until_round IS NULL)
        OR (valid_from_round >= 0 AND valid_until_round >= valid_from_round));
