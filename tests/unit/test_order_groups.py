"""Brackets, OCA groups and plain groups as users build them: legs, cOIDs, sanity checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibkr_webapi import Bracket, BracketStatus, Order, OrderStatus, errors
from ibkr_webapi.orders.groups import MAX_BASE_C_OID, check_orders, legs_to_change, oca_group
from ibkr_webapi_client.models import OrderStatus as OrderStatusModel

AAPL = 265598


def _entry(**kwargs: object) -> Order:
    base: dict[str, object] = {"conid": AAPL, "side": "BUY", "quantity": 10, "price": 150.0}
    base.update(kwargs)
    return Order(**base)  # type: ignore[arg-type]


def test_a_buy_bracket_has_a_sell_limit_above_and_a_sell_stop_below() -> None:
    bracket = Bracket(entry=_entry(c_oid="b-1"), take_profit=160.0, stop_loss=145.0)
    entry, take_profit, stop_loss = bracket.orders
    assert entry.c_oid == "b-1" and entry.parent_id is None
    assert (take_profit.side, take_profit.order_type, take_profit.price) == ("SELL", "LMT", 160.0)
    assert (stop_loss.side, stop_loss.order_type, stop_loss.stop_price) == ("SELL", "STP", 145.0)
    assert take_profit.c_oid == "b-1-tp" and stop_loss.c_oid == "b-1-sl"
    assert take_profit.parent_id == stop_loss.parent_id == "b-1"
    assert take_profit.quantity == stop_loss.quantity == 10
    assert take_profit.tif == stop_loss.tif == "DAY"


def test_a_sell_bracket_is_mirrored_and_exit_tif_and_stop_limit_apply() -> None:
    bracket = Bracket(
        entry=_entry(side="SELL", c_oid="s-1"),
        take_profit=140.0,
        stop_loss=155.0,
        stop_loss_limit=156.0,
        exit_tif="GTC",
    )
    _, take_profit, stop_loss = bracket.orders
    assert (take_profit.side, take_profit.price, take_profit.tif) == ("BUY", 140.0, "GTC")
    assert stop_loss.order_type == "STOP_LIMIT"
    assert (stop_loss.stop_price, stop_loss.limit_price, stop_loss.tif) == (155.0, 156.0, "GTC")


def test_the_entry_gets_its_coid_once_so_placing_again_reuses_every_leg() -> None:
    bracket = Bracket(entry=_entry(), take_profit=160.0, stop_loss=145.0)
    first = [o.c_oid for o in bracket.orders]
    assert first == [o.c_oid for o in bracket.orders]
    assert first[0] and first[0].startswith("ibkr-") and bracket.c_oid == first[0]
    moved = bracket.evolve(take_profit=161.0)
    assert [o.c_oid for o in moved.orders] == first
    assert moved.take_profit_order.price == 161.0


def test_a_stop_travels_as_price_and_aux_price_on_the_wire() -> None:
    stop = Bracket(entry=_entry(), take_profit=160.0, stop_loss=145.0).stop_loss_order
    sent = stop.to_request("U1").to_dict()
    assert (sent["orderType"], sent["price"], sent["auxPrice"]) == ("STP", 145.0, 145.0)
    assert sent["parentId"] == stop.parent_id
    # IBKR's own convention (the stop as "price") is understood too, and must agree with aux_price.
    assert Order(conid=AAPL, side="SELL", quantity=1, order_type="STP", price=9.0).stop_price == 9.0
    with pytest.raises(errors.InvalidRequestError, match="one price, its stop"):
        Order(conid=AAPL, side="SELL", quantity=1, order_type="STP", price=9.0, aux_price=8.0)
    with pytest.raises(errors.InvalidRequestError, match="STP orders need aux_price"):
        Order(conid=AAPL, side="SELL", quantity=1, order_type="STP")


@pytest.mark.parametrize(
    ("side", "take_profit", "stop_loss", "message"),
    [
        ("BUY", 149.0, 145.0, "take_profit must be above the entry price 150"),
        ("BUY", 160.0, 151.0, "stop_loss must be below the entry price 150"),
        ("BUY", 140.0, 145.0, "take_profit must be above stop_loss"),
        ("SELL", 151.0, 160.0, "take_profit must be below the entry price 150"),
        ("SELL", 140.0, 149.0, "stop_loss must be above the entry price 150"),
    ],
)
def test_prices_on_the_wrong_side_are_refused_before_sending(
    side: str, take_profit: float, stop_loss: float, message: str
) -> None:
    with pytest.raises(errors.InvalidRequestError, match=message):
        Bracket(entry=_entry(side=side), take_profit=take_profit, stop_loss=stop_loss)


def test_a_market_entry_checks_the_exits_against_each_other_only() -> None:
    entry = _entry(order_type="MKT", price=None)
    assert Bracket(entry=entry, take_profit=1000.0, stop_loss=1.0).entry.order_type == "MKT"
    with pytest.raises(errors.InvalidRequestError, match="above stop_loss"):
        Bracket(entry=entry, take_profit=100.0, stop_loss=101.0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"stop_loss_limit": 146.0}, "stop-loss limit must be at or below its stop"),
        ({"take_profit": float("nan")}, "take_profit must be a positive, finite price"),
        ({"stop_loss": -1.0}, "stop_loss must be a positive, finite price"),
        ({"stop_loss": True}, "stop_loss must be a positive, finite price"),
        ({"exit_tif": "FOREVER"}, "exit_tif must be one of"),
        ({"exit_tif": ["GTC"]}, "exit_tif must be one of"),
        ({"entry": "not an order"}, "order must be an Order"),
        ({"entry": _entry(quantity=None, cash_qty=1000.0)}, "entry needs a quantity"),
        ({"entry": _entry(parent_id="other")}, "must not have a parent_id"),
        ({"entry": _entry(c_oid="x" * (MAX_BASE_C_OID + 1))}, "at most 61 characters"),
    ],
)
def test_bad_brackets_say_what_to_fix(changes: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"entry": _entry(), "take_profit": 160.0, "stop_loss": 145.0}
    fields.update(changes)
    with pytest.raises(errors.InvalidRequestError, match=message):
        Bracket(**fields)  # type: ignore[arg-type]


@given(
    entry=st.floats(min_value=1.0, max_value=10_000.0),
    up=st.floats(min_value=-0.5, max_value=0.5),
    down=st.floats(min_value=-0.5, max_value=0.5),
    side=st.sampled_from(["BUY", "SELL"]),
)
def test_a_bracket_exists_only_when_its_exits_surround_the_entry(
    entry: float, up: float, down: float, side: str
) -> None:
    take_profit, stop_loss = entry * (1 + up), entry * (1 + down)
    sane = take_profit > entry > stop_loss if side == "BUY" else take_profit < entry < stop_loss
    try:
        built = Bracket(
            entry=_entry(side=side, price=entry), take_profit=take_profit, stop_loss=stop_loss
        )
    except errors.InvalidRequestError:
        assert not sane
    else:
        assert sane
        assert {o.side for o in built.orders[1:]} == {"SELL" if side == "BUY" else "BUY"}


def test_groups_need_orders_with_distinct_coids() -> None:
    a, b = _entry(c_oid="a"), _entry(c_oid="b")
    assert [o.c_oid for o in check_orders([a, b])] == ["a", "b"]
    generated = check_orders([_entry(), _entry()])
    assert len({o.c_oid for o in generated}) == 2
    with pytest.raises(errors.InvalidRequestError, match="repeated: a"):
        check_orders([a, a])
    with pytest.raises(errors.InvalidRequestError, match="list of Order"):
        check_orders(a)
    with pytest.raises(errors.InvalidRequestError, match="at least 2"):
        check_orders([a], minimum=2)
    with pytest.raises(errors.InvalidRequestError, match="must be an Order"):
        check_orders([a, 5])


def test_an_oca_group_marks_every_order_and_refuses_attached_children() -> None:
    group = oca_group(check_orders([_entry(c_oid="a"), _entry(c_oid="b", price=149.0)]))
    assert all(o.is_single_group for o in group)
    assert group[0].to_request("U1").to_dict()["isSingleGroup"] is True
    with pytest.raises(errors.InvalidRequestError, match="not attached children"):
        oca_group([_entry(c_oid="a"), _entry(c_oid="b", parent_id="a")])


def _shown(order: Order, order_id: int, status: str) -> OrderStatus:
    """An order as the gateway's status shows it."""
    body: dict[str, object] = {
        "order_id": order_id,
        "order_status": status,
        "total_size": f"{order.quantity:.1f}",
        "tif": order.tif,
    }
    if order.limit_price is not None:
        body["limit_price"] = f"{order.limit_price}"
    if order.stop_price is not None:
        body["stop_price"] = f"{order.stop_price}"
    return OrderStatus.from_model(OrderStatusModel.from_dict(body))


def _status_of(bracket: Bracket, *states: str) -> BracketStatus:
    parent, take_profit, stop_loss = (
        _shown(order, 11 + i, state)
        for i, (order, state) in enumerate(zip(bracket.orders, states, strict=True))
    )
    return BracketStatus(parent=parent, take_profit=take_profit, stop_loss=stop_loss)


@given(
    stop=st.floats(min_value=0.01, max_value=0.3),
    take=st.floats(min_value=0.01, max_value=0.3),
    quantity=st.integers(min_value=1, max_value=10_000),
    moves=st.sets(st.sampled_from(["take_profit", "stop_loss", "quantity", "exit_tif"])),
)
def test_only_the_legs_that_differ_are_changed(
    stop: float, take: float, quantity: int, moves: set[str]
) -> None:
    placed = Bracket(
        entry=_entry(quantity=quantity, c_oid="p"),
        take_profit=round(150.0 * (1 + take), 2),
        stop_loss=round(150.0 * (1 - stop), 2),
    )
    working = _status_of(placed, "PreSubmitted", "PreSubmitted", "PreSubmitted")
    assert legs_to_change(placed, working) == []
    changes: dict[str, object] = {}
    if "take_profit" in moves:
        changes["take_profit"] = placed.take_profit + 1.0
    if "stop_loss" in moves:
        changes["stop_loss"] = placed.stop_loss - 1.0
    if "quantity" in moves:
        changes["entry"] = placed.entry.evolve(quantity=quantity + 1)
    if "exit_tif" in moves:
        changes["exit_tif"] = "GTC"
    wanted = placed.evolve(**changes)
    expected = {
        11: "quantity" in moves,
        12: bool(moves & {"take_profit", "quantity", "exit_tif"}),
        13: bool(moves & {"stop_loss", "quantity", "exit_tif"}),
    }
    changed = legs_to_change(wanted, working)
    assert [i for i, _ in changed] == [i for i, hit in expected.items() if hit]  # entry first
    assert all(order == wanted.orders[i - 11] for i, order in changed)
    # Applied: nothing left to change.
    assert legs_to_change(wanted, _status_of(wanted, "Submitted", "Submitted", "Submitted")) == []


def test_a_finished_leg_that_would_change_refuses_everything() -> None:
    placed = Bracket(entry=_entry(c_oid="p"), take_profit=160.0, stop_loss=145.0)
    closed = _status_of(placed, "Filled", "Filled", "Cancelled")
    assert legs_to_change(placed, closed) == []  # nothing asked: nothing refused
    with pytest.raises(errors.InvalidRequestError, match=r"stop-loss \(order 13\) is Cancelled"):
        legs_to_change(placed.evolve(stop_loss=146.0), closed)
