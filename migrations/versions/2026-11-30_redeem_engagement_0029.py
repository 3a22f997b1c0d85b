"""redeem engagement: a voucher redemption counts its engagement inside `voucher_redeem`,
before the product's stock row is locked

The redemption route reported `vouchers_redeemed` to the quests, badges and league after
`voucher_redeem` returned: three or four more statements while the transaction held the hot
product's stock row lock (taken last in the function), so every redeemer of that product
queued behind them (half-load p99 22.9 ms -> 96 ms). Counting before the redemption is no
answer: a refusal is stored without a savepoint, so the count would commit with it.

So a reported event (a voucher redeemed, a post read, a practice order) is counted by one
function, `engagement_report`: seen once per reference, the day and lifetime counters, the
badges over that counter, the drawn quests it completes (paid by migration 0026's
`quest_complete`, a monthly challenge's badge with it) and their XP in the week's league
(`league_add_xp`, the statement `gamification/leagues/service.py` sent). `voucher_redeem` now
calls it after the voucher is issued and before the stock update, inside its refusal block, so
a refused redemption still writes nothing and the stock row is held only from the update to
the commit. `quest_drawn` is `gamification/quests/draw.py`'s draw in SQL (the same hash
order; a test holds the two equal).

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-30 07:30:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The learner's quests for the period of `p_day` (their own calendar), with each quest's period
# start: `p_daily_quests` daily ones ordered by sha256("{day}:{user}:{quest}"), the first weekly
# one by sha256("{week start}:{user}:{quest}"), and the month's challenge, the same for everyone
# (one naming this month first, else one naming no month) by sha256("{month start}:{quest}").
QUEST_DRAWN = """
CREATE FUNCTION quest_drawn(p_user_id uuid, p_day date, p_daily_quests integer)
RETURNS TABLE (id text, kind text, target integer, points bigint, xp bigint, title jsonb,
               badge_id text, period_start date)
LANGUAGE sql STABLE AS $$
    WITH periods AS (
        SELECT p_day AS day, p_day - (extract(isodow FROM p_day)::integer - 1) AS week,
               p_day - (extract(day FROM p_day)::integer - 1) AS month
    ), pool AS (
        SELECT q.*,
               CASE q.cadence WHEN 'daily' THEN p.day WHEN 'weekly' THEN p.week
                              ELSE p.month END AS start,
               q.cadence = 'monthly' AND COALESCE(cardinality(q.months), 0) > 0
                   AND extract(month FROM p.month)::smallint = ANY(q.months) AS themed
          FROM quest_template q, periods p
         WHERE q.enabled
    ), ordered AS (
        SELECT pool.*,
               row_number() OVER (
                   PARTITION BY pool.cadence
                   ORDER BY pool.themed DESC,
                            sha256(convert_to(
                                to_char(pool.start, 'YYYY-MM-DD')
                                || CASE WHEN pool.cadence = 'monthly' THEN ''
                                        ELSE ':' || p_user_id::text END
                                || ':' || pool.id, 'UTF8')),
                            pool.id COLLATE "C"
               ) AS n
          FROM pool
         WHERE pool.cadence <> 'monthly' OR pool.themed
            OR COALESCE(cardinality(pool.months), 0) = 0
    )
    SELECT o.id, o.kind, o.target, o.points, o.xp, o.title, o.badge_id, o.start
      FROM ordered o
     WHERE o.n <= CASE o.cadence WHEN 'daily' THEN p_daily_quests ELSE 1 END
$$
"""

# The week's XP: added to the learner's membership or, with the week's first XP, joining the
# next place of the learner's tier (the cohort's id derived from week, tier and place / size).
LEAGUE_ADD_XP = """
CREATE FUNCTION league_add_xp(
    p_user_id uuid, p_xp bigint, p_week date, p_now timestamptz, p_highest_tier integer,
    p_cohort_size integer
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_tier integer;
    v_place bigint;
BEGIN
    IF p_xp <= 0 THEN
        RETURN;
    END IF;
    UPDATE league_member SET xp = xp + p_xp, reached_at = p_now
     WHERE week_start = p_week AND user_id = p_user_id;
    IF FOUND THEN
        RETURN;
    END IF;
    v_tier := LEAST(COALESCE((SELECT tier FROM league_player WHERE user_id = p_user_id), 0),
                    COALESCE((SELECT max(position) FROM league_tier), 0), p_highest_tier);
    v_place := nextval(format('league_place_%s', v_tier)::regclass);
    -- A concurrent first XP of the learner may have joined meanwhile: add to it (the place
    -- taken here stays empty).
    INSERT INTO league_member AS m
        (week_start, user_id, cohort_id, tier, xp, reached_at, joined_at)
    VALUES (p_week, p_user_id,
            CAST(md5(to_char(p_week, 'YYYY-MM-DD') || ':' || v_tier || ':'
                     || (v_place / p_cohort_size)) AS uuid),
            v_tier, p_xp, p_now, p_now)
    ON CONFLICT (week_start, user_id) DO UPDATE SET xp = m.xp + EXCLUDED.xp, reached_at = p_now;
END $$
"""

# A batch of events counted (the rewards path's, or one reported event): the day counts (a
# day mark stays at 1 a day), the lifetime counters (maxima keep the larger value, the others
# add), every enabled badge over the touched counters whose criterion now holds (once: the
# award's key), the drawn quests of the counted kinds that reach their target (paid once by
# `quest_complete`, a monthly challenge's badge with it), and the week's league XP: the
# batch's own `p_league_xp` and the quests'. The rows: the quests paid.
ENGAGEMENT_RECORD = """
CREATE FUNCTION engagement_record(
    p_user_id uuid, p_day_kinds text[], p_day_counts integer[], p_day_mark_kinds text[],
    p_kinds text[], p_values bigint[], p_maximum_kinds text[], p_touched text[], p_day date,
    p_cap_day date, p_daily_cap bigint, p_lot_days integer, p_now timestamptz,
    p_daily_quests integer, p_league_xp bigint, p_highest_tier integer, p_cohort_size integer
) RETURNS TABLE (quest_id text, points bigint, xp bigint, reason jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    v_quest record;
    v_paid record;
    v_xp bigint := p_league_xp;
    v_factor numeric;  -- the campaign multiplier of quest points, read at the first completion
BEGIN
    INSERT INTO engagement_day_count AS d (user_id, kind, day, count)
    SELECT p_user_id, t.kind, p_day, t.n FROM unnest(p_day_kinds, p_day_counts) AS t(kind, n)
    ON CONFLICT (user_id, kind, day) DO UPDATE SET count = CASE
        WHEN d.kind = ANY(p_day_mark_kinds) THEN GREATEST(d.count, EXCLUDED.count)
        ELSE d.count + EXCLUDED.count END;
    INSERT INTO engagement_counter AS c (user_id, kind, value)
    SELECT p_user_id, t.kind, t.n FROM unnest(p_kinds, p_values) AS t(kind, n)
    ON CONFLICT (user_id, kind) DO UPDATE SET value = CASE
        WHEN c.kind = ANY(p_maximum_kinds) THEN GREATEST(c.value, EXCLUDED.value)
        ELSE c.value + EXCLUDED.value END;
    INSERT INTO badge_award (user_id, badge_id, earned_at)
    SELECT p_user_id, b.id, p_now
      FROM badge b
     WHERE b.enabled AND b.counter = ANY(p_touched) AND b.counter <> 'monthly_challenge'
       AND COALESCE(CASE WHEN b.window_days IS NULL THEN
               (SELECT c.value FROM engagement_counter c
                 WHERE c.user_id = p_user_id AND c.kind = b.counter)
           ELSE
               (SELECT sum(d.count) FROM engagement_day_count d
                 WHERE d.user_id = p_user_id AND d.kind = b.counter
                   AND d.day > p_day - b.window_days)
           END, 0) >= b.target
    ON CONFLICT DO NOTHING;
    FOR v_quest IN
        SELECT q.* FROM quest_drawn(p_user_id, p_day, p_daily_quests) q
         WHERE q.kind = ANY(p_day_kinds)
           AND (SELECT COALESCE(sum(d.count), 0) FROM engagement_day_count d
                 WHERE d.user_id = p_user_id AND d.kind = q.kind
                   AND d.day BETWEEN q.period_start AND p_day) >= q.target
         ORDER BY q.id COLLATE "C"
    LOOP
        -- A points multiplier campaign naming the `quest` rule scales quest points (the
        -- largest factor in force, never compounded; rounded down as the rules' are; the
        -- daily cap still applies in quest_complete).
        IF v_factor IS NULL THEN
            SELECT COALESCE(max(m.factor), 1) INTO v_factor
              FROM campaign_multiplier m JOIN campaign c ON c.id = m.campaign_id
             WHERE m.user_id = p_user_id AND m.starts_at <= p_now AND m.ends_at > p_now
               AND c.status <> 'cancelled' AND 'quest' = ANY(m.rules);
        END IF;
        SELECT * INTO v_paid
          FROM quest_complete(
                   p_user_id, v_quest.id, v_quest.period_start,
                   floor(v_quest.points * v_factor)::bigint, v_quest.xp,
                   'quest:' || to_char(v_quest.period_start, 'YYYY-MM-DD') || ':' || v_quest.id
                       || ':' || p_user_id,
                   jsonb_build_object('code', 'quest_completed', 'quest', v_quest.id,
                                      'title', COALESCE(v_quest.title ->> 'zh-CN', ''),
                                      'title_en', COALESCE(v_quest.title ->> 'en', '')),
                   p_cap_day, p_daily_cap, p_now, p_lot_days);
        -- Not paid: completed before, or by a concurrent event that committed first.
        CONTINUE WHEN NOT v_paid.paid;
        INSERT INTO badge_award (user_id, badge_id, earned_at)
        SELECT p_user_id, b.id, p_now FROM badge b WHERE b.id = v_quest.badge_id AND b.enabled
        ON CONFLICT DO NOTHING;
        v_xp := v_xp + v_quest.xp;
        quest_id := v_quest.id;
        points := v_paid.points;
        xp := v_quest.xp;
        reason := v_paid.reason;
        RETURN NEXT;
    END LOOP;
    PERFORM league_add_xp(p_user_id, v_xp,
                          p_cap_day - (extract(isodow FROM p_cap_day)::integer - 1), p_now,
                          p_highest_tier, p_cohort_size);
END $$
"""

# A reported event, once per (learner, kind, reference): a batch of one (no day mark, no
# maximum); the XP its quests paid (0 when the event was seen before).
ENGAGEMENT_REPORT = """
CREATE FUNCTION engagement_report(
    p_user_id uuid, p_kind text, p_reference text, p_day date, p_cap_day date,
    p_daily_cap bigint, p_lot_days integer, p_now timestamptz, p_daily_quests integer,
    p_highest_tier integer, p_cohort_size integer
) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO engagement_event_seen (user_id, kind, reference, seen_at)
    VALUES (p_user_id, p_kind, p_reference, p_now)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    RETURN (SELECT COALESCE(sum(r.xp), 0)
              FROM engagement_record(p_user_id, ARRAY[p_kind], ARRAY[1], '{}', ARRAY[p_kind],
                                     ARRAY[1::bigint], '{}', ARRAY[p_kind], p_day, p_cap_day,
                                     p_daily_cap, p_lot_days, p_now, p_daily_quests, 0,
                                     p_highest_tier, p_cohort_size) r);
END $$
"""

# Migration 0013's redemption with the engagement report between the voucher and the stock.
VOUCHER_REDEEM = """
CREATE FUNCTION voucher_redeem(
    p_voucher_id uuid, p_code text, p_product_id uuid, p_user_id uuid,
    p_per_user_limit integer, p_points_price bigint, p_kind text, p_title text,
    p_title_en text, p_terms jsonb, p_reason jsonb, p_now timestamptz,
    p_expires_at timestamptz, p_day date, p_cap_day date, p_daily_cap bigint,
    p_lot_days integer, p_daily_quests integer, p_highest_tier integer, p_cohort_size integer,
    OUT outcome text, OUT debit_transaction_id uuid, OUT points_balance bigint
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_reference text := 'voucher:' || p_voucher_id;
BEGIN
    INSERT INTO voucher_user_count AS c (user_id, product_id, redeemed)
    VALUES (p_user_id, p_product_id, 1)
    ON CONFLICT (user_id, product_id) DO UPDATE SET redeemed = c.redeemed + 1
    WHERE c.redeemed < p_per_user_limit;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'limit-reached' USING ERRCODE = 'IQ409';
    END IF;
    INSERT INTO ledger_transaction
        (id, idempotency_key, kind, reference, reason, reverses_id, created_at)
    VALUES (uuid_v7(), v_reference, 'spend', v_reference, p_reason, NULL, p_now)
    RETURNING id INTO debit_transaction_id;
    points_balance := ledger_debit_points(
        debit_transaction_id, p_user_id, p_points_price, '00000000-0000-7000-8000-000000000002', p_now);
    INSERT INTO voucher (id, code, product_id, user_id, kind, title, title_en, terms,
                         points_price, status, issued_at, expires_at, debit_transaction_id)
    VALUES (p_voucher_id, p_code, p_product_id, p_user_id, p_kind, p_title, p_title_en,
            p_terms, p_points_price, 'issued', p_now, p_expires_at, debit_transaction_id)
    ON CONFLICT (code) DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'code-taken' USING ERRCODE = 'IQ409';
    END IF;
    PERFORM engagement_report(p_user_id, 'vouchers_redeemed', v_reference, p_day, p_cap_day,
                              p_daily_cap, p_lot_days, p_now, p_daily_quests, p_highest_tier,
                              p_cohort_size);
    UPDATE voucher_product SET remaining_stock = remaining_stock - 1
    WHERE id = p_product_id AND remaining_stock > 0;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'out-of-stock' USING ERRCODE = 'IQ409';
    END IF;
    outcome := 'redeemed';
EXCEPTION WHEN SQLSTATE 'IQ409' THEN
    outcome := SQLERRM;
    debit_transaction_id := NULL;
    points_balance := NULL;
END $$
"""

# Migration 0013's, restored on downgrade.
VOUCHER_REDEEM_0013 = """
CREATE FUNCTION voucher_redeem(
    p_voucher_id uuid, p_code text, p_product_id uuid, p_user_id uuid,
    p_per_user_limit integer, p_points_price bigint, p_kind text, p_title text,
    p_title_en text, p_terms jsonb, p_reason jsonb, p_now timestamptz,
    p_expires_at timestamptz,
    OUT outcome text, OUT debit_transaction_id uuid, OUT points_balance bigint
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_reference text := 'voucher:' || p_voucher_id;
BEGIN
    INSERT INTO voucher_user_count AS c (user_id, product_id, redeemed)
    VALUES (p_user_id, p_product_id, 1)
    ON CONFLICT (user_id, product_id) DO UPDATE SET redeemed = c.redeemed + 1
    WHERE c.redeemed < p_per_user_limit;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'limit-reached' USING ERRCODE = 'IQ409';
    END IF;
    INSERT INTO ledger_transaction
        (id, idempotency_key, kind, reference, reason, reverses_id, created_at)
    VALUES (uuid_v7(), v_reference, 'spend', v_reference, p_reason, NULL, p_now)
    RETURNING id INTO debit_transaction_id;
    points_balance := ledger_debit_points(
        debit_transaction_id, p_user_id, p_points_price, '00000000-0000-7000-8000-000000000002', p_now);
    INSERT INTO voucher (id, code, product_id, user_id, kind, title, title_en, terms,
                         points_price, status, issued_at, expires_at, debit_transaction_id)
    VALUES (p_voucher_id, p_code, p_product_id, p_user_id, p_kind, p_title, p_title_en,
            p_terms, p_points_price, 'issued', p_now, p_expires_at, debit_transaction_id)
    ON CONFLICT (code) DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'code-taken' USING ERRCODE = 'IQ409';
    END IF;
    UPDATE voucher_product SET remaining_stock = remaining_stock - 1
    WHERE id = p_product_id AND remaining_stock > 0;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'out-of-stock' USING ERRCODE = 'IQ409';
    END IF;
    outcome := 'redeemed';
EXCEPTION WHEN SQLSTATE 'IQ409' THEN
    outcome := SQLERRM;
    debit_transaction_id := NULL;
    points_balance := NULL;
END $$
"""
OLD_REDEEM = (
    "voucher_redeem(uuid, text, uuid, uuid, integer, bigint, text, text, text, jsonb, jsonb, "
    "timestamptz, timestamptz)"
)
NEW_REDEEM = (
    "voucher_redeem(uuid, text, uuid, uuid, integer, bigint, text, text, text, jsonb, jsonb, "
    "timestamptz, timestamptz, date, date, bigint, integer, integer, integer, integer)"
)


def upgrade() -> None:
    op.execute(QUEST_DRAWN)
    op.execute(LEAGUE_ADD_XP)
    op.execute(ENGAGEMENT_RECORD)
    op.execute(ENGAGEMENT_REPORT)
    op.execute(f"DROP FUNCTION {OLD_REDEEM}")
    op.execute(VOUCHER_REDEEM)


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {NEW_REDEEM}")
    op.execute(VOUCHER_REDEEM_0013)
    op.execute(
        "DROP FUNCTION engagement_report(uuid, text, text, date, date, bigint, integer, "
        "timestamptz, integer, integer, integer)"
    )
    op.execute(
        "DROP FUNCTION engagement_record(uuid, text[], integer[], text[], text[], bigint[], "
        "text[], text[], date, date, bigint, integer, timestamptz, integer, bigint, integer, "
        "integer)"
    )
    op.execute("DROP FUNCTION league_add_xp(uuid, bigint, date, timestamptz, integer, integer)")
    op.execute("DROP FUNCTION quest_drawn(uuid, date, integer)")
