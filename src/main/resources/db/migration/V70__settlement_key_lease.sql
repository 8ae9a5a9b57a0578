-- Settlement-key leases: an EVM settlement key signs with one nonce sequence, so at most one gateway
-- process may broadcast from it at a time (rolling deploys would otherwise collide nonces). One row
-- per configured key; a process holds a key while expires_at (database clock) is in the future.
--
--   holder        the process holding the key: hostname + a uuid drawn at start; NULL once released
--   epoch         fencing token: +1 on every acquisition, so a renewal or release by an earlier holder
--                 (same or other process) matches no row once the key has moved on
--   acquired_at   when the current epoch began
--   expires_at    end of the lease; renewals push it forward, an expired key may be taken by anyone
--   released_at   when the last holder gave it back gracefully
CREATE TABLE settlement_key_lease (
    network         TEXT NOT NULL,
    signer_address  TEXT NOT NULL,
    holder          TEXT,
    epoch           BIGINT NOT NULL DEFAULT 0 CHECK (epoch >= 0),
    acquired_at     TIMESTAMPTZ,
    expires_at      TIMESTAMPTZ,
    released_at     TIMESTAMPTZ,
    PRIMARY KEY (network, signer_address),
    CONSTRAINT settlement_key_lease_held_until CHECK (holder IS NULL OR expires_at IS NOT NULL)
);

-- Fencing for every writer: the epoch never goes back, and a key changes hands only with a new epoch.
CREATE FUNCTION settlement_key_lease_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.network <> OLD.network OR NEW.signer_address <> OLD.signer_address THEN
        RAISE EXCEPTION 'settlement key lease % / % identity is immutable', OLD.network, OLD.signer_address
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.epoch < OLD.epoch THEN
        RAISE EXCEPTION 'settlement key lease % / % epoch may not go back (% -> %)', OLD.network,
            OLD.signer_address, OLD.epoch, NEW.epoch USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.holder IS NOT NULL AND NEW.holder IS DISTINCT FROM OLD.holder AND NEW.epoch = OLD.epoch THEN
        RAISE EXCEPTION 'settlement key lease % / % changes holder only with a new epoch', OLD.network,
            OLD.signer_address USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER settlement_key_lease_guard BEFORE UPDATE ON settlement_key_lease
    FOR EACH ROW EXECUTE FUNCTION settlement_key_lease_guard();
