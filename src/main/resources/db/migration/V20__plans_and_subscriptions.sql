-- Plans and each merchant's plan history (billing/PLANS.md). The plan catalog is data (a JSON file);
-- the gateway copies it into `plan` at start, so subscriptions reference real plans and the settlement
-- transaction can compute a month's allowance in SQL.

CREATE TABLE plan (
    id                  TEXT PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    name                TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    price_usd           NUMERIC(14, 2) NOT NULL CHECK (price_usd >= 0),
    billing_cycle       TEXT NOT NULL CHECK (billing_cycle IN ('month', 'year')),
    -- NULL = unlimited
    included_per_month  BIGINT CHECK (included_per_month IS NULL OR included_per_month >= 1),
    overage_usd         NUMERIC(20, 6) CHECK (overage_usd IS NULL OR overage_usd >= 0),
    hard_stop           BOOLEAN NOT NULL,
    commitment_years    SMALLINT[] NOT NULL DEFAULT '{}',
    offered             BOOLEAN NOT NULL DEFAULT true,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT plan_hard_stop_is_limited CHECK (NOT hard_stop OR (included_per_month IS NOT NULL AND overage_usd IS NULL))
);

-- One row per segment of a merchant's plan history: [effective_from, effective_to). Segments of a
-- merchant never overlap and, from its creation on, leave no gap; a future row is a scheduled change.
CREATE TABLE merchant_subscription (
    id                BIGSERIAL PRIMARY KEY,
    merchant_id       UUID NOT NULL REFERENCES merchant (id),
    plan_id           TEXT NOT NULL REFERENCES plan (id),
    -- annual contracts only: the committed term in years, starting at effective_from
    commitment_years  SMALLINT CHECK (commitment_years BETWEEN 1 AND 10),
    effective_from    TIMESTAMPTZ NOT NULL,
    effective_to      TIMESTAMPTZ,
    source            TEXT NOT NULL CHECK (source IN ('created', 'config', 'api', 'migration')),
    requested_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    requested_by      TEXT,
    CONSTRAINT subscription_range CHECK (effective_to IS NULL OR effective_to > effective_from)
);
CREATE INDEX merchant_subscription_merchant ON merchant_subscription (merchant_id, effective_from);

-- No two segments of a merchant overlap (checked at commit, so a change may close and open in any order;
-- the row is read again because a deferred trigger's NEW is the row as it was when the event happened).
CREATE FUNCTION subscription_no_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM merchant_subscription o JOIN merchant_subscription n ON n.id = NEW.id
                WHERE o.merchant_id = n.merchant_id AND o.id <> n.id
                  AND tstzrange(o.effective_from, o.effective_to) && tstzrange(n.effective_from, n.effective_to)) THEN
        RAISE EXCEPTION 'subscription % of merchant % overlaps another segment', NEW.id, NEW.merchant_id
            USING ERRCODE = 'exclusion_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER subscription_no_overlap AFTER INSERT OR UPDATE ON merchant_subscription
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION subscription_no_overlap();

-- History is never rewritten: a segment's plan, terms and start are fixed; its end may only be set
-- (or a scheduled end lifted) while it has not ended; only a segment that has not started may be
-- removed (a cancelled scheduled change). An operator repair can lift this for one transaction with
-- SET LOCAL sippar.billing_history_repair = 'on'.
CREATE FUNCTION subscription_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('sippar.billing_history_repair', true), '') = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.effective_from <= now() THEN
            RAISE EXCEPTION 'subscription % has started and cannot be removed', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.merchant_id <> OLD.merchant_id OR NEW.plan_id <> OLD.plan_id
       OR NEW.commitment_years IS DISTINCT FROM OLD.commitment_years OR NEW.effective_from <> OLD.effective_from
       OR NEW.source <> OLD.source OR NEW.requested_at <> OLD.requested_at
       OR NEW.requested_by IS DISTINCT FROM OLD.requested_by THEN
        RAISE EXCEPTION 'subscription % may only have its end changed', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.effective_to IS DISTINCT FROM OLD.effective_to AND (
           (OLD.effective_to IS NOT NULL AND OLD.effective_to <= now())
        OR (NEW.effective_to IS NOT NULL AND NEW.effective_to < now())) THEN
        RAISE EXCEPTION 'subscription % cannot be ended in the past', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER subscription_guard BEFORE UPDATE OR DELETE ON merchant_subscription
    FOR EACH ROW EXECUTE FUNCTION subscription_guard();

-- Every merchant starts on the plan it is created with, from its creation.
CREATE FUNCTION merchant_first_subscription() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO merchant_subscription (merchant_id, plan_id, commitment_years, effective_from, source, requested_by)
    SELECT NEW.id, p.id,
           CASE WHEN p.billing_cycle = 'year' THEN (SELECT min(y) FROM unnest(p.commitment_years) y) END,
           NEW.created_at, 'created', 'merchant created'
      FROM plan p WHERE p.id = NEW.plan;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'merchant % names unknown plan %', NEW.slug, NEW.plan USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER merchant_first_subscription AFTER INSERT ON merchant
    FOR EACH ROW EXECUTE FUNCTION merchant_first_subscription();

-- A month's allowance, as billing.PlanMonth computes it: the day-weighted average of the included
-- transactions of the segments overlapping the month (whole UTC days, the day of a change belonging to
-- the new plan), rounded half-up; unlimited if any billed day is unlimited. plan_id / hard_stop are
-- those of the segment in force at p_at (or the month's last one). No row: no plan that month.
CREATE FUNCTION merchant_allowance(p_merchant UUID, p_period DATE, p_at TIMESTAMPTZ)
RETURNS TABLE (included BIGINT, unlimited BOOLEAN, plan_id TEXT, hard_stop BOOLEAN)
LANGUAGE sql STABLE AS $$
    WITH bounds AS (
        SELECT p_period::timestamp AT TIME ZONE 'UTC' AS month_start,
               (p_period + interval '1 month')::timestamp AT TIME ZONE 'UTC' AS month_end
    ), seg AS (
        SELECT s.plan_id, s.effective_from, p.included_per_month, p.hard_stop,
               greatest(0, (least(coalesce(s.effective_to, 'infinity'::timestamptz), b.month_end) AT TIME ZONE 'UTC')::date
                         - (greatest(s.effective_from, b.month_start) AT TIME ZONE 'UTC')::date) AS days
          FROM merchant_subscription s JOIN plan p ON p.id = s.plan_id CROSS JOIN bounds b
         WHERE s.merchant_id = p_merchant
           AND s.effective_from < b.month_end
           AND (s.effective_to IS NULL OR s.effective_to > b.month_start)
    )
    SELECT CASE WHEN bool_or(included_per_month IS NULL AND days > 0) THEN NULL
                ELSE round(sum(included_per_month::numeric * days) FILTER (WHERE days > 0)
                           / nullif(sum(days) FILTER (WHERE days > 0), 0))::bigint END,
           coalesce(bool_or(included_per_month IS NULL AND days > 0), false),
           coalesce((array_agg(plan_id ORDER BY effective_from DESC) FILTER (WHERE effective_from <= p_at))[1],
                    (array_agg(plan_id ORDER BY effective_from DESC))[1]),
           coalesce((array_agg(hard_stop ORDER BY effective_from DESC) FILTER (WHERE effective_from <= p_at))[1],
                    (array_agg(hard_stop ORDER BY effective_from DESC))[1])
      FROM seg
    HAVING count(*) > 0
$$;
