"""contest place order, fewer reads and no journal row: an order reads three times, not
seven, and a fill on placing is recorded on its order

`contest_place_order` (migration 0035, with 0040, 0046 and 0050's changes) read the contest,
then the caller's entry, looked for the client_order_id, locked the entry, looked for the
client_order_id again, then read the instrument, its quote and the position, one statement
each: seven executions before the first write, each with its own executor start, plan check
and locks. Now it locks the caller's entry in the read of its contest's rules, looks for the
client_order_id once (under that lock, so a duplicate committed while it waited is still seen),
and reads the instrument, its quote and the position in one statement.

An order that fills on placing recorded its fill in a `contest_fill` row: one more insert, with
its three index entries and three checks (on the bench's market orders, `perf` showed the
server parsing and preparing CHECK constraints for a sixth of its time, each insert afresh).
The market tick records its fills on the order row already (migration 0050); placing now does
the same (`filled_at`, `fill_trading_day`, `fill_at_limit_up`), and `contest_all_fills` reads
such a fill as the journal's row it would have been, its id the order's. `contest_fill` keeps
the fills made before. So the fill id parameter goes: `contest_place_order` and
`contest_place_order_reported` take one argument less. The previous `contest_place_order_reported`
stays, as a call of the new one, for a replica still on the release before during a rolling
deploy; a later migration drops it.

What an order decides and writes is otherwise unchanged: the same outcomes, reasons, fees, books
and lock order (the entry row, the position, then the engagement rows). Three differences:
- A replayed client_order_id now waits for the entry's lock like any order, where it was
  answered before the lock; it still counts nothing against the order rate.
- A duplicate that committed while the order waited for the lock is now answered `replayed`
  even when that first order filled the entry's one-minute window; before, the rate was checked
  first and the answer was `rate_limited`.
- A fill whose value rounds to 0.00 yuan (selling one share at 0.004 or less) is recorded, its
  minimum commission charged; the journal's CHECK (`notional > 0`) refused it, as an error.

Revision ID: 0054
Revises: 0053
Create Date: 2026-12-01 12:30:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

from api.migrations import revision_module

revision: str = "0054"
down_revision: str | None = "0053"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTEST_PLACE_ORDER = """CREATE FUNCTION contest_place_order(
    p_contest_id uuid, p_user_id uuid, p_order_id uuid, p_client_order_id text,
    p_request_hash text, p_symbol text, p_side text, p_type text, p_quantity bigint,
    p_limit_price numeric, p_now timestamptz, p_per_minute integer, p_market_open boolean,
    p_trading_day date, p_day_closes_at timestamptz,
    OUT outcome text, OUT retry_after integer, OUT placed contest_order
) LANGUAGE plpgsql AS $$
DECLARE
    c record;  -- the contest's rules and the caller's entry (locked)
    m record;  -- the instrument, its quote and the entry's position in it
    v_entry_id uuid;
    v_cash numeric;
    v_cash_held numeric;
    v_in_window integer;
    v_started timestamptz;
    v_cash_delta numeric := 0;
    v_held_delta numeric := 0;
    v_fees_delta numeric := 0;
    v_quantity bigint := 0;
    v_unreserved bigint;
    v_sellable bigint;
    v_available numeric;
    v_equity numeric;
    v_reason text;
    v_lot_ok boolean;
    v_down numeric;
    v_up numeric;
    v_fill_price numeric;
    v_price numeric;
    v_notional numeric;
    v_commission numeric;
    v_stamp_duty numeric;
    v_transfer_fee numeric;
    v_fees numeric;
    v_delta numeric;
    v_t_plus_one boolean;
BEGIN
    outcome := 'placed';
    -- The caller's entry with its contest's rules, the entry locked: one entry's orders are
    -- decided one after the other, on fresh figures. Its one UPDATE comes at the end (an update
    -- of a row this transaction wrote already would check the row's foreign keys again, locking
    -- the contest row every order shares).
    SELECT e.id AS entry_id, e.cash AS entry_cash, e.cash_held AS entry_cash_held,
           e.orders_in_window, e.orders_window_started_at, ct.starts_at, ct.ends_at,
           ct.market_hours, ct.universe_symbols, ct.universe_boards, ct.commission_rate,
           ct.commission_min, ct.stamp_duty_rate, ct.transfer_fee_rate, ct.t_plus_one,
           ct.min_price, ct.concentration_cap_pct
    INTO c
    FROM contest_entry e JOIN contest ct ON ct.id = e.contest_id
    WHERE e.contest_id = p_contest_id AND e.user_id = p_user_id
    FOR NO KEY UPDATE OF e;
    IF NOT FOUND THEN
        outcome := CASE WHEN EXISTS (SELECT FROM contest WHERE id = p_contest_id)
                        THEN 'not_joined' ELSE 'contest_not_found' END;
        RETURN;
    END IF;
    v_entry_id := c.entry_id;
    v_cash := c.entry_cash;
    v_cash_held := c.entry_cash_held;
    -- The same client_order_id again: that order (committed before this one took the lock).
    SELECT * INTO placed FROM contest_order o
    WHERE o.entry_id = v_entry_id AND o.client_order_id = p_client_order_id;
    IF FOUND THEN
        outcome := CASE WHEN placed.request_hash = p_request_hash THEN 'replayed'
                        ELSE 'client_order_id_reused' END;
        RETURN;
    END IF;
    -- Count the order in the entry's one-minute window.
    v_in_window := c.orders_in_window;
    v_started := c.orders_window_started_at;
    IF v_started IS NULL OR v_started <= p_now - interval '1 minute' THEN
        v_in_window := 1;
        v_started := p_now;
    ELSIF v_in_window < p_per_minute THEN
        v_in_window := v_in_window + 1;
    ELSE
        outcome := 'rate_limited';
        retry_after := greatest(
            1, trunc(extract(epoch FROM v_started + interval '1 minute' - p_now))::integer + 1
        );
        RETURN;
    END IF;

    placed := ROW(
        p_order_id, p_contest_id, v_entry_id, p_user_id, p_client_order_id, p_request_hash,
        p_symbol, p_side, p_type, p_quantity, p_limit_price, 'open', NULL, 0, NULL, 0, 0, 0, 0,
        p_trading_day, least(p_day_closes_at, c.ends_at), p_now, p_now, NULL, NULL, NULL
    )::contest_order;

    -- definitions.is_running and the market hours (orders._contest_problem)
    IF NOT (c.starts_at <= p_now AND p_now < c.ends_at) THEN
        v_reason := 'contest_not_running';
    ELSIF c.market_hours = 'exchange' AND NOT p_market_open THEN
        v_reason := 'market_closed';
    ELSE
        -- The instrument with its quote, and the entry's position in it (if any).
        SELECT i.board, i.t_plus_zero, i.lot_size, i.lot_step, i.tick_size, i.limit_pct,
               q.last_price, q.prev_close, p.quantity, p.reserved, p.bought_today, p.bought_on
        INTO m
        FROM contest_instrument i
        JOIN contest_quote q ON q.symbol = i.symbol
        LEFT JOIN contest_position p ON p.entry_id = v_entry_id AND p.symbol = i.symbol
        WHERE i.symbol = p_symbol;
        IF NOT FOUND OR NOT (
            (cardinality(c.universe_symbols) = 0 AND cardinality(c.universe_boards) = 0)
            OR p_symbol = ANY (c.universe_symbols) OR m.board = ANY (c.universe_boards)
        ) THEN
            v_reason := 'not_in_universe';
        END IF;
    END IF;

    IF v_reason IS NULL THEN
        -- orders._holdings
        v_quantity := coalesce(m.quantity, 0);
        v_unreserved := v_quantity - coalesce(m.reserved, 0);
        v_sellable := greatest(0, v_unreserved - CASE WHEN m.bought_on = p_trading_day
                                                      THEN m.bought_today ELSE 0 END);
        v_available := v_cash - v_cash_held;
        v_equity := v_available;
        IF c.concentration_cap_pct IS NOT NULL THEN
            SELECT v_cash + coalesce(sum(p.quantity * pq.last_price), 0) INTO v_equity
            FROM contest_position p JOIN contest_quote pq ON pq.symbol = p.symbol
            WHERE p.entry_id = v_entry_id;
        END IF;
        v_t_plus_one := c.t_plus_one AND NOT m.t_plus_zero;

        -- rules._shape_problem
        IF p_side = 'buy' THEN
            v_lot_ok := p_quantity >= m.lot_size AND (p_quantity - m.lot_size) % m.lot_step = 0;
        ELSIF p_quantity > v_unreserved THEN
            v_reason := 'insufficient_shares';
        ELSE
            v_lot_ok := (p_quantity >= m.lot_size AND (p_quantity - m.lot_size) % m.lot_step = 0)
                        OR p_quantity = v_unreserved;
        END IF;
        IF v_reason IS NULL AND NOT v_lot_ok THEN
            v_reason := 'lot_size';
        END IF;
        -- rules.price_band: half up to the tick, the limit-down price never below one tick
        v_up := round(m.prev_close * (1 + m.limit_pct / 100) / m.tick_size) * m.tick_size;
        v_down := greatest(
            round(m.prev_close * (1 - m.limit_pct / 100) / m.tick_size) * m.tick_size,
            m.tick_size
        );
        IF v_reason IS NULL AND p_limit_price IS NOT NULL THEN
            IF NOT (p_limit_price > 0 AND p_limit_price % m.tick_size = 0) THEN
                v_reason := 'tick_size';
            ELSIF NOT (v_down <= p_limit_price AND p_limit_price <= v_up) THEN
                v_reason := 'price_band';
            END IF;
        END IF;
    END IF;

    IF v_reason IS NULL THEN
        -- rules._fill_price: the last price when the order can fill now
        IF p_type = 'market' OR p_limit_price IS NULL
           OR (p_side = 'buy' AND m.last_price <= p_limit_price)
           OR (p_side = 'sell' AND m.last_price >= p_limit_price) THEN
            v_fill_price := m.last_price;
        END IF;
        v_price := coalesce(v_fill_price, p_limit_price);
        -- rules.notional_of and rules.fees_for
        v_notional := round(v_price * p_quantity, 2);
        v_commission := greatest(round(v_notional * c.commission_rate, 2),
                                 round(c.commission_min, 2));
        v_stamp_duty := CASE WHEN p_side = 'sell' THEN round(v_notional * c.stamp_duty_rate, 2)
                             ELSE 0 END;
        v_transfer_fee := round(v_notional * c.transfer_fee_rate, 2);
        v_fees := v_commission + v_stamp_duty + v_transfer_fee;
        IF p_side = 'buy' THEN  -- rules._buy_problem
            IF c.min_price IS NOT NULL AND m.last_price < c.min_price THEN
                v_reason := 'min_price';
            ELSIF c.concentration_cap_pct IS NOT NULL
                  AND (m.last_price * v_quantity + v_notional) * 100
                      > c.concentration_cap_pct * (v_equity - v_fees) THEN
                v_reason := 'concentration_cap';
            ELSIF v_notional + v_fees > v_available THEN
                v_reason := 'insufficient_cash';
            END IF;
        ELSE  -- rules._sell_problem
            IF p_quantity > (CASE WHEN v_t_plus_one THEN v_sellable ELSE v_unreserved END) THEN
                v_reason := 't_plus_one';
            ELSIF v_available + v_notional - v_fees < 0 THEN
                v_reason := 'insufficient_cash';  -- the minimum commission outweighs the shares
            END IF;
        END IF;
    END IF;

    IF v_reason IS NULL AND v_fill_price IS NOT NULL THEN  -- orders._fill_now
        IF p_side = 'buy' THEN
            v_delta := -(v_notional + v_fees);
            IF v_cash - v_cash_held + v_delta < 0 THEN
                v_reason := 'insufficient_cash';
            ELSE
                v_cash_delta := v_delta;
                v_fees_delta := v_fees;
                INSERT INTO contest_position AS p
                    (entry_id, symbol, user_id, quantity, reserved, bought_today, bought_on, cost)
                VALUES (v_entry_id, p_symbol, p_user_id, p_quantity, 0, p_quantity,
                        p_trading_day, -v_delta)
                ON CONFLICT (entry_id, symbol) DO UPDATE SET
                    quantity = p.quantity + excluded.quantity,
                    cost = p.cost + excluded.cost,
                    bought_today = CASE WHEN p.bought_on = excluded.bought_on
                                        THEN p.bought_today + excluded.quantity
                                        ELSE excluded.quantity END,
                    bought_on = excluded.bought_on;
            END IF;
        ELSE
            v_delta := v_notional - v_fees;
            UPDATE contest_position p SET
                quantity = p.quantity - p_quantity,
                cost = CASE WHEN p.quantity = p_quantity THEN 0
                            ELSE p.cost - round(p.cost * p_quantity / p.quantity, 2) END,
                bought_today = least(p.bought_today, p.quantity - p_quantity)
            WHERE p.entry_id = v_entry_id AND p.symbol = p_symbol
              AND p.quantity - p.reserved
                  - CASE WHEN v_t_plus_one AND p.bought_on = p_trading_day
                         THEN p.bought_today ELSE 0 END >= p_quantity;
            IF NOT FOUND THEN
                v_reason := 'insufficient_shares';
            ELSIF v_cash - v_cash_held + v_delta < 0 THEN
                RAISE EXCEPTION 'a checked sell left the cash of entry % negative',
                    v_entry_id USING ERRCODE = 'check_violation';
            ELSE
                v_cash_delta := v_delta;
                v_fees_delta := v_fees;
            END IF;
        END IF;
        IF v_reason IS NULL THEN
            placed.status := 'filled';
            placed.filled_quantity := p_quantity;
            placed.avg_fill_price := v_fill_price;
            placed.commission := v_commission;
            placed.stamp_duty := v_stamp_duty;
            placed.transfer_fee := v_transfer_fee;
            -- The fill, on its order as the market tick records one (migration 0050).
            placed.filled_at := p_now;
            placed.fill_trading_day := p_trading_day;
            placed.fill_at_limit_up := coalesce(p_side = 'buy' AND v_fill_price >= v_up, false);
        END IF;
    ELSIF v_reason IS NULL THEN  -- orders._rest: set aside what it needs to fill at its limit
        IF p_side = 'buy' THEN
            IF v_cash - v_cash_held < v_notional + v_fees THEN
                v_reason := 'insufficient_cash';
            ELSE
                v_held_delta := v_notional + v_fees;
                placed.cash_held := v_held_delta;
            END IF;
        ELSE
            UPDATE contest_position p SET reserved = p.reserved + p_quantity
            WHERE p.entry_id = v_entry_id AND p.symbol = p_symbol
              AND p.quantity - p.reserved
                  - CASE WHEN v_t_plus_one AND p.bought_on = p_trading_day
                         THEN p.bought_today ELSE 0 END >= p_quantity;
            IF NOT FOUND THEN
                v_reason := 'insufficient_shares';
            END IF;
        END IF;
    END IF;

    IF v_reason IS NOT NULL THEN
        placed.status := 'rejected';
        placed.reject_reason := v_reason;
    END IF;
    -- The entry's one update: the order counted, and what a fill or a resting buy moved. It is
    -- conditional, as the cash update was before: an order that takes cash (a buy's fill or
    -- hold) never leaves the entry's available cash negative, whatever the checks above said.
    UPDATE contest_entry e SET
        orders_in_window = v_in_window, orders_window_started_at = v_started,
        cash = e.cash + v_cash_delta, cash_held = e.cash_held + v_held_delta,
        fees_paid = e.fees_paid + v_fees_delta
    WHERE e.id = v_entry_id
      AND (v_cash_delta - v_held_delta >= 0
           OR e.cash + v_cash_delta - e.cash_held - v_held_delta >= 0);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order % would leave the cash of entry % negative', p_order_id, v_entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO contest_order SELECT (placed).*;
    IF placed.status = 'open' THEN
        INSERT INTO contest_resting_order (order_id, entry_id, symbol, side, limit_price,
                                           expires_at)
        VALUES (placed.id, placed.entry_id, placed.symbol, placed.side, placed.limit_price,
                placed.expires_at);
        IF placed.side = 'buy' THEN
            INSERT INTO contest_position
                (entry_id, symbol, user_id, quantity, reserved, bought_today, cost)
            VALUES (placed.entry_id, placed.symbol, placed.user_id, 0, 0, 0, 0)
            ON CONFLICT (entry_id, symbol) DO NOTHING;
        END IF;
    END IF;
END $$
"""

# The route's one statement: the order placed, then (placed, not rejected) left in the
# engagement outbox, as 0051's version did it.
CONTEST_PLACE_ORDER_REPORTED = """
CREATE FUNCTION contest_place_order_reported(
    p_contest_id uuid, p_user_id uuid, p_order_id uuid, p_client_order_id text,
    p_request_hash text, p_symbol text, p_side text, p_type text, p_quantity bigint,
    p_limit_price numeric, p_now timestamptz, p_per_minute integer, p_market_open boolean,
    p_trading_day date, p_day_closes_at timestamptz, p_day date, p_cap_day date,
    p_daily_cap bigint, p_lot_days integer, p_daily_quests integer, p_highest_tier integer,
    p_cohort_size integer,
    OUT outcome text, OUT retry_after integer, OUT placed contest_order
) LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM contest_place_order(
        p_contest_id, p_user_id, p_order_id, p_client_order_id, p_request_hash, p_symbol,
        p_side, p_type, p_quantity, p_limit_price, p_now, p_per_minute, p_market_open,
        p_trading_day, p_day_closes_at);
    outcome := r.outcome;
    retry_after := r.retry_after;
    placed := r.placed;
    IF outcome = 'placed' AND placed.status <> 'rejected' THEN
        PERFORM engagement_defer(p_user_id, 'practice_order', 'order:' || placed.id, p_day,
                                 p_cap_day, p_daily_cap, p_lot_days, p_now, p_daily_quests,
                                 p_highest_tier, p_cohort_size);
    END IF;
END $$
"""

# What a replica of the release before this one calls, during a rolling deploy: the same
# order, its fill id unused (the fill is the order's row now). A later migration drops it.
PREVIOUS_RELEASE_CALL = """
CREATE OR REPLACE FUNCTION contest_place_order_reported(
    p_contest_id uuid, p_user_id uuid, p_order_id uuid, p_fill_id uuid,
    p_client_order_id text, p_request_hash text, p_symbol text, p_side text, p_type text,
    p_quantity bigint, p_limit_price numeric, p_now timestamptz, p_per_minute integer,
    p_market_open boolean, p_trading_day date, p_day_closes_at timestamptz,
    p_day date, p_cap_day date, p_daily_cap bigint, p_lot_days integer,
    p_daily_quests integer, p_highest_tier integer, p_cohort_size integer,
    OUT outcome text, OUT retry_after integer, OUT placed contest_order
) LANGUAGE sql AS $$
    SELECT * FROM contest_place_order_reported(
        p_contest_id, p_user_id, p_order_id, p_client_order_id, p_request_hash, p_symbol,
        p_side, p_type, p_quantity, p_limit_price, p_now, p_per_minute, p_market_open,
        p_trading_day, p_day_closes_at, p_day, p_cap_day, p_daily_cap, p_lot_days,
        p_daily_quests, p_highest_tier, p_cohort_size)
$$
"""

PLACE_ORDER_ARGS = (
    "uuid, uuid, uuid, text, text, text, text, text, bigint, numeric, timestamptz, integer,"
    " boolean, date, timestamptz"
)
REPORTED_ARGS = PLACE_ORDER_ARGS + ", date, date, bigint, integer, integer, integer, integer"
PREVIOUS_PLACE_ORDER_ARGS = (
    "uuid, uuid, uuid, uuid, text, text, text, text, text, bigint, numeric, timestamptz,"
    " integer, boolean, date, timestamptz"
)


def upgrade() -> None:
    op.execute(CONTEST_PLACE_ORDER)
    op.execute(CONTEST_PLACE_ORDER_REPORTED)
    op.execute(PREVIOUS_RELEASE_CALL)
    op.execute(f"DROP FUNCTION contest_place_order({PREVIOUS_PLACE_ORDER_ARGS})")


def downgrade() -> None:
    op.execute(revision_module("0050")._place_order_with_fill_columns())
    op.execute(revision_module("0051")._order(revision_module("0051").DEFER_CALL))
    op.execute(f"DROP FUNCTION contest_place_order_reported({REPORTED_ARGS})")
    op.execute(f"DROP FUNCTION contest_place_order({PLACE_ORDER_ARGS})")
