"""contest order reported: placing a contest order and reporting it to the quests, badges and
league is one statement

The order route called `contest_place_order` (migration 0025) and then `engagement_report`
(migration 0029) for the `practice_order` event: two statements inside BEGIN ... COMMIT, four
round trips an order. `contest_place_order_reported` calls the one and then, for an order
placed and not rejected, the other, under the reference `order:{id}` the route used; so the
route sends one statement and needs no transaction of its own (a statement is atomic), one
round trip an order. A replayed `client_order_id` reports nothing again: the order it returns
was reported when it was placed. The locks are taken in the order the route took them: the
entry row (the order rate), the position, then the learner's engagement rows.

`contest_place_order` itself now updates the entry row once, at the end, where it updated it
twice (the order rate first, the cash after): the second update of a row the transaction had
written checked the row's foreign keys again, taking a share lock on the contest row that
every order of the contest shares (each concurrent one a new multixact) and on the user's row.
The row is locked first (`FOR NO KEY UPDATE`), so the figures the order is decided on stay the
row's until the update: two orders racing for the last cash still cannot both pass. That one
update keeps the guard the cash update had (available cash after the order >= 0 when the order
takes cash) and raises `check_violation` if it fails, which the lock makes unreachable.

An order's own foreign keys to its contest and its user go, as migration 0030 did for the
fills: its entry (still a foreign key) names both, and inserting an order took a share lock on
the contest row every order shares.

Revision ID: 0035
Revises: 0034
Create Date: 2026-11-30 10:40:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

from api.migrations import revision_module

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Migration 0025's function with the entry row locked first and updated once, at the end.
CONTEST_PLACE_ORDER = """CREATE OR REPLACE FUNCTION contest_place_order(
    p_contest_id uuid, p_user_id uuid, p_order_id uuid, p_fill_id uuid,
    p_client_order_id text, p_request_hash text, p_symbol text, p_side text, p_type text,
    p_quantity bigint, p_limit_price numeric, p_now timestamptz, p_per_minute integer,
    p_market_open boolean, p_trading_day date, p_day_closes_at timestamptz,
    OUT outcome text, OUT retry_after integer, OUT placed contest_order
) LANGUAGE plpgsql AS $$
DECLARE
    c contest%ROWTYPE;
    i contest_instrument%ROWTYPE;
    q contest_quote%ROWTYPE;
    v_entry_id uuid;
    v_cash numeric;
    v_cash_held numeric;
    v_in_window integer;
    v_started timestamptz;
    v_cash_delta numeric := 0;
    v_held_delta numeric := 0;
    v_fees_delta numeric := 0;
    v_quantity bigint := 0;
    v_reserved bigint := 0;
    v_bought_today bigint := 0;
    v_bought_on date;
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
    SELECT * INTO c FROM contest WHERE id = p_contest_id;
    IF NOT FOUND THEN
        outcome := 'contest_not_found';
        RETURN;
    END IF;
    SELECT e.id INTO v_entry_id FROM contest_entry e
    WHERE e.contest_id = p_contest_id AND e.user_id = p_user_id;
    IF NOT FOUND THEN
        outcome := 'not_joined';
        RETURN;
    END IF;
    SELECT * INTO placed FROM contest_order o
    WHERE o.entry_id = v_entry_id AND o.client_order_id = p_client_order_id;
    IF FOUND THEN
        outcome := CASE WHEN placed.request_hash = p_request_hash THEN 'replayed'
                        ELSE 'client_order_id_reused' END;
        RETURN;
    END IF;
    -- Lock the entry row: one entry's orders are decided one after the other, on fresh figures.
    -- Its one UPDATE comes at the end (an update of a row this transaction wrote already would
    -- check the row's foreign keys again, locking the contest row every order shares).
    SELECT e.cash, e.cash_held, e.orders_in_window, e.orders_window_started_at
    INTO v_cash, v_cash_held, v_in_window, v_started
    FROM contest_entry e WHERE e.id = v_entry_id FOR NO KEY UPDATE;
    -- Count the order in the entry's one-minute window.
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
    -- A duplicate committed while this order waited for the entry row.
    SELECT * INTO placed FROM contest_order o
    WHERE o.entry_id = v_entry_id AND o.client_order_id = p_client_order_id;
    IF FOUND THEN
        outcome := CASE WHEN placed.request_hash = p_request_hash THEN 'replayed'
                        ELSE 'client_order_id_reused' END;
        RETURN;
    END IF;

    placed := ROW(
        p_order_id, p_contest_id, v_entry_id, p_user_id, p_client_order_id, p_request_hash,
        p_symbol, p_side, p_type, p_quantity, p_limit_price, 'open', NULL, 0, NULL, 0, 0, 0, 0,
        p_trading_day, least(p_day_closes_at, c.ends_at), p_now, p_now
    )::contest_order;

    -- definitions.is_running and the market hours (orders._contest_problem)
    IF NOT (c.starts_at <= p_now AND p_now < c.ends_at) THEN
        v_reason := 'contest_not_running';
    ELSIF c.market_hours = 'exchange' AND NOT p_market_open THEN
        v_reason := 'market_closed';
    ELSE
        SELECT * INTO i FROM contest_instrument WHERE symbol = p_symbol;
        IF FOUND THEN
            SELECT * INTO q FROM contest_quote WHERE symbol = p_symbol;
        END IF;
        IF q.symbol IS NULL OR NOT (
            (cardinality(c.universe_symbols) = 0 AND cardinality(c.universe_boards) = 0)
            OR p_symbol = ANY (c.universe_symbols) OR i.board = ANY (c.universe_boards)
        ) THEN
            v_reason := 'not_in_universe';
        END IF;
    END IF;

    IF v_reason IS NULL THEN
        -- orders._holdings
        SELECT p.quantity, p.reserved, p.bought_today, p.bought_on
        INTO v_quantity, v_reserved, v_bought_today, v_bought_on
        FROM contest_position p WHERE p.entry_id = v_entry_id AND p.symbol = p_symbol;
        v_quantity := coalesce(v_quantity, 0);
        v_unreserved := v_quantity - coalesce(v_reserved, 0);
        v_sellable := greatest(0, v_unreserved - CASE WHEN v_bought_on = p_trading_day
                                                      THEN v_bought_today ELSE 0 END);
        v_available := v_cash - v_cash_held;
        v_equity := v_available;
        IF c.concentration_cap_pct IS NOT NULL THEN
            SELECT v_cash + coalesce(sum(p.quantity * pq.last_price), 0) INTO v_equity
            FROM contest_position p JOIN contest_quote pq ON pq.symbol = p.symbol
            WHERE p.entry_id = v_entry_id;
        END IF;
        v_t_plus_one := c.t_plus_one AND NOT i.t_plus_zero;

        -- rules._shape_problem
        IF p_side = 'buy' THEN
            v_lot_ok := p_quantity >= i.lot_size AND (p_quantity - i.lot_size) % i.lot_step = 0;
        ELSIF p_quantity > v_unreserved THEN
            v_reason := 'insufficient_shares';
        ELSE
            v_lot_ok := (p_quantity >= i.lot_size AND (p_quantity - i.lot_size) % i.lot_step = 0)
                        OR p_quantity = v_unreserved;
        END IF;
        IF v_reason IS NULL AND NOT v_lot_ok THEN
            v_reason := 'lot_size';
        END IF;
        -- rules.price_band: half up to the tick, the limit-down price never below one tick
        v_up := round(q.prev_close * (1 + i.limit_pct / 100) / i.tick_size) * i.tick_size;
        v_down := greatest(
            round(q.prev_close * (1 - i.limit_pct / 100) / i.tick_size) * i.tick_size,
            i.tick_size
        );
        IF v_reason IS NULL AND p_limit_price IS NOT NULL THEN
            IF NOT (p_limit_price > 0 AND p_limit_price % i.tick_size = 0) THEN
                v_reason := 'tick_size';
            ELSIF NOT (v_down <= p_limit_price AND p_limit_price <= v_up) THEN
                v_reason := 'price_band';
            END IF;
        END IF;
    END IF;

    IF v_reason IS NULL THEN
        -- rules._fill_price: the last price when the order can fill now
        IF p_type = 'market' OR p_limit_price IS NULL
           OR (p_side = 'buy' AND q.last_price <= p_limit_price)
           OR (p_side = 'sell' AND q.last_price >= p_limit_price) THEN
            v_fill_price := q.last_price;
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
            IF c.min_price IS NOT NULL AND q.last_price < c.min_price THEN
                v_reason := 'min_price';
            ELSIF c.concentration_cap_pct IS NOT NULL
                  AND (q.last_price * v_quantity + v_notional) * 100
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
    IF placed.status = 'filled' THEN
        INSERT INTO contest_fill (id, order_id, contest_id, entry_id, user_id, symbol, side,
            quantity, price, notional, commission, stamp_duty, transfer_fee, cash_delta,
            at_limit_up, trading_day, filled_at)
        VALUES (p_fill_id, p_order_id, p_contest_id, v_entry_id, p_user_id, p_symbol, p_side,
            p_quantity, v_fill_price, v_notional, v_commission, v_stamp_duty, v_transfer_fee,
            v_delta, p_side = 'buy' AND v_fill_price >= v_up, p_trading_day, p_now);
    END IF;
END $$
"""

# Each redundant with the order's entry: (constraint, column, referenced table).
REDUNDANT_KEYS = (
    ("fk_contest_order_contest_id_contest", "contest_id", "contest"),
    ("fk_contest_order_user_id_user_account", "user_id", "user_account"),
)

CONTEST_PLACE_ORDER_REPORTED = """
CREATE FUNCTION contest_place_order_reported(
    p_contest_id uuid, p_user_id uuid, p_order_id uuid, p_fill_id uuid,
    p_client_order_id text, p_request_hash text, p_symbol text, p_side text, p_type text,
    p_quantity bigint, p_limit_price numeric, p_now timestamptz, p_per_minute integer,
    p_market_open boolean, p_trading_day date, p_day_closes_at timestamptz,
    p_day date, p_cap_day date, p_daily_cap bigint, p_lot_days integer,
    p_daily_quests integer, p_highest_tier integer, p_cohort_size integer,
    OUT outcome text, OUT retry_after integer, OUT placed contest_order
) LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM contest_place_order(
        p_contest_id, p_user_id, p_order_id, p_fill_id, p_client_order_id, p_request_hash,
        p_symbol, p_side, p_type, p_quantity, p_limit_price, p_now, p_per_minute,
        p_market_open, p_trading_day, p_day_closes_at);
    outcome := r.outcome;
    retry_after := r.retry_after;
    placed := r.placed;
    IF outcome = 'placed' AND placed.status <> 'rejected' THEN
        PERFORM engagement_report(p_user_id, 'practice_order', 'order:' || placed.id, p_day,
                                  p_cap_day, p_daily_cap, p_lot_days, p_now, p_daily_quests,
                                  p_highest_tier, p_cohort_size);
    END IF;
END $$
"""
SIGNATURE = (
    "contest_place_order_reported(uuid, uuid, uuid, uuid, text, text, text, text, text, bigint,"
    " numeric, timestamptz, integer, boolean, date, timestamptz, date, date, bigint, integer,"
    " integer, integer, integer)"
)


def upgrade() -> None:
    for name, _column, _referenced in REDUNDANT_KEYS:
        op.drop_constraint(name, "contest_order", type_="foreignkey")
    op.execute(CONTEST_PLACE_ORDER)
    op.execute(CONTEST_PLACE_ORDER_REPORTED)


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    previous: str = revision_module("0025").CONTEST_PLACE_ORDER
    op.execute(previous.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    for name, column, referenced in REDUNDANT_KEYS:
        op.create_foreign_key(name, "contest_order", referenced, [column], ["id"])
