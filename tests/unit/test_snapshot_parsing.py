"""Snapshot values, availability codes, Quote, row merging and request splitting."""

from __future__ import annotations

import copy
import pickle
import sys
import types
from datetime import UTC, date, datetime
from itertools import product
from typing import Any

import pytest

from ibkr_webapi.snapshot import (
    AvailabilityStatus,
    FlaggedPrice,
    MarketDataAvailability,
    PriceFlag,
    Quote,
    merge_rows,
    parse_value,
    split_request,
)

# The example row from gateway-behaviour.md.
ROW: dict[str, Any] = {
    "31": "168.42",
    "84": "168.41",
    "85": "600",
    "86": "168.42",
    "88": "1,300",
    "7059": "100",
    "6119": "q1",
    "6509": "RpB",
    "_updated": 1712596911593,
    "conid": 265598,
    "conidEx": "265598",
    "server_id": "q1",
}

PREFLIGHT_ROW: dict[str, Any] = {"conid": 265598, "conidEx": "265598"}


# ---------------------------------------------------------------- parse_value


def test_price_string_becomes_float() -> None:
    assert parse_value("31", "168.42") == 168.42


def test_size_with_thousands_separator_becomes_int() -> None:
    value = parse_value("88", "1,300")
    assert value == 1300 and isinstance(value, int)


def test_abbreviated_volume_in_millions() -> None:
    value = parse_value("87", "24.5M")
    assert value == 24_500_000 and isinstance(value, int)


def test_abbreviated_volume_in_thousands() -> None:
    assert parse_value("87", "812K") == 812_000


def test_abbreviated_volume_in_billions() -> None:
    assert parse_value("87", "1.25B") == 1_250_000_000


def test_abbreviated_value_that_is_not_whole_stays_float() -> None:
    assert parse_value("87", "1.2345K") == pytest.approx(1234.5)


def test_plain_volume_without_suffix() -> None:
    assert parse_value("87", "950") == 950


def test_prior_close_prefix_gives_price_flagged_prior_close() -> None:
    value = parse_value("31", "C193.18")
    assert value == 193.18
    assert isinstance(value, FlaggedPrice) and value.flag is PriceFlag.PRIOR_CLOSE
    assert value.is_prior_close and not value.is_halted


def test_halted_prefix_gives_price_flagged_halted() -> None:
    value = parse_value("31", "H193.18")
    assert value == 193.18
    assert isinstance(value, FlaggedPrice) and value.is_halted


def test_unprefixed_price_is_a_plain_float() -> None:
    assert type(parse_value("31", "193.18")) is float


def test_flagged_price_survives_pickle_and_copy() -> None:
    value = parse_value("31", "C193.18")
    for clone in (pickle.loads(pickle.dumps(value)), copy.deepcopy(value)):
        assert clone == 193.18 and clone.flag is PriceFlag.PRIOR_CLOSE


def test_percent_sign_is_dropped() -> None:
    assert parse_value("83", "1.23%") == 1.23


def test_negative_percent() -> None:
    assert parse_value("83", "-0.52%") == -0.52


def test_percent_field_without_sign() -> None:
    assert parse_value("83", "1.23") == 1.23


def test_signed_change() -> None:
    assert parse_value("82", "+1.05") == 1.05
    assert parse_value("82", "-1.05") == -1.05


def test_empty_string_is_none() -> None:
    assert parse_value("31", "") is None


def test_blank_string_is_none() -> None:
    assert parse_value("31", "  ") is None


def test_none_is_none() -> None:
    assert parse_value("31", None) is None


def test_json_numbers_pass_through() -> None:
    assert parse_value("31", 168.42) == 168.42
    assert parse_value("7762", 24512345) == 24512345


def test_text_stays_text() -> None:
    assert parse_value("55", "AAPL") == "AAPL"
    assert parse_value("7051", "APPLE INC") == "APPLE INC"


def test_numeric_looking_text_field_stays_text() -> None:
    assert parse_value("55", "1234") == "1234"


def test_odd_input_is_kept_raw() -> None:
    assert parse_value("31", "N/A") == "N/A"
    assert parse_value("88", "lots") == "lots"
    assert parse_value("87", "1.2.3M") == "1.2.3M"


def test_unusual_types_are_kept_raw() -> None:
    assert parse_value("31", ["168.42"]) == ["168.42"]
    assert parse_value("31", {"v": 1}) == {"v": 1}


def test_unknown_id_value_is_kept_as_received() -> None:
    assert parse_value("9999", "1,300") == "1,300"


def test_unknown_name_value_is_kept_as_received() -> None:
    assert parse_value("no_such_field", "1") == "1"


def test_parse_value_accepts_names_and_int_ids() -> None:
    assert parse_value("bid_size", "1,300") == 1300
    assert parse_value(88, "1,300") == 1300


def test_conid_field_becomes_int() -> None:
    assert parse_value("6008", "265598") == 265598


def test_boolean_field_becomes_bool() -> None:
    assert parse_value("7184", "1") is True
    assert parse_value("7768", "0") is False
    assert parse_value("7184", 1) is True


def test_date_field_in_yyyymmdd_becomes_date() -> None:
    assert parse_value("7288", "20240209") == date(2024, 2, 9)


def test_date_field_in_unknown_format_is_kept() -> None:
    assert parse_value("7288", "Feb 9 '24") == "Feb 9 '24"
    assert parse_value("7288", "12345") == "12345"


def test_availability_field_is_decoded() -> None:
    value = parse_value("6509", "RpB")
    assert isinstance(value, MarketDataAvailability) and value.is_realtime


# ---------------------------------------------------------------- MarketDataAvailability


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("R", AvailabilityStatus.REALTIME),
        ("D", AvailabilityStatus.DELAYED),
        ("Z", AvailabilityStatus.FROZEN),
        ("Y", AvailabilityStatus.FROZEN_DELAYED),
        ("N", AvailabilityStatus.NOT_SUBSCRIBED),
    ],
)
def test_availability_first_letter(code: str, status: AvailabilityStatus) -> None:
    assert MarketDataAvailability.from_code(code).status is status


def test_availability_further_letters() -> None:
    decoded = MarketDataAvailability.from_code("RpB")
    assert decoded.consolidated and decoded.book and not decoded.snapshot


def test_availability_snapshot_letter() -> None:
    decoded = MarketDataAvailability.from_code("DP")
    assert decoded.snapshot and not decoded.consolidated and decoded.is_delayed


def test_availability_frozen_delayed_is_both_frozen_and_delayed() -> None:
    decoded = MarketDataAvailability.from_code("Y")
    assert decoded.is_frozen and decoded.is_delayed and not decoded.is_realtime


def test_availability_not_subscribed() -> None:
    assert not MarketDataAvailability.from_code("N").is_subscribed


def test_availability_keeps_the_code() -> None:
    assert MarketDataAvailability.from_code("RpB").code == "RpB"


def test_availability_unknown_letter_does_not_raise() -> None:
    assert MarketDataAvailability.from_code("Q").status is AvailabilityStatus.UNKNOWN


def test_availability_is_frozen() -> None:
    decoded = MarketDataAvailability.from_code("R")
    with pytest.raises(AttributeError):
        decoded.book = True  # type: ignore[misc]


# ---------------------------------------------------------------- Quote


def test_quote_conid_is_int() -> None:
    assert Quote.from_row(ROW).conid == 265598


def test_quote_conid_from_string() -> None:
    assert Quote.from_row({**ROW, "conid": "265598"}).conid == 265598


def test_quote_conid_falls_back_to_conid_ex() -> None:
    row = {k: v for k, v in ROW.items() if k != "conid"}
    assert Quote.from_row({**row, "conidEx": "265598@SMART"}).conid == 265598


def test_quote_without_any_conid_is_an_error() -> None:
    with pytest.raises(ValueError, match="conid"):
        Quote.from_row({"31": "1.0"})


def test_quote_updated_is_aware_utc_from_epoch_ms() -> None:
    updated = Quote.from_row(ROW).updated
    assert updated == datetime(2024, 4, 8, 17, 21, 51, 593000, tzinfo=UTC)


def test_quote_updated_is_none_when_absent() -> None:
    assert Quote.from_row(PREFLIGHT_ROW).updated is None


def test_quote_raw_is_the_row_as_received() -> None:
    quote = Quote.from_row(ROW)
    assert dict(quote.raw) == ROW


def test_quote_raw_is_read_only_and_independent_of_the_input() -> None:
    row = dict(ROW)
    quote = Quote.from_row(row)
    row["31"] = "999"
    assert quote.raw["31"] == "168.42"
    with pytest.raises(TypeError):
        quote.raw["31"] = "1"  # type: ignore[index]


def test_quote_values_are_parsed_by_name() -> None:
    values = Quote.from_row(ROW).values
    assert values["last_price"] == 168.42
    assert values["bid_size"] == 1300
    assert values["delivery_marker"] == "q1"


def test_quote_values_leave_out_row_metadata() -> None:
    assert set(Quote.from_row(ROW).values).isdisjoint({"conid", "conidEx", "_updated", "server_id"})


def test_quote_keeps_unknown_ids_under_their_id() -> None:
    quote = Quote.from_row({**ROW, "9999": "x"})
    assert quote.values["9999"] == "x"
    assert quote["9999"] == "x"


def test_quote_typed_properties() -> None:
    quote = Quote.from_row(ROW)
    assert quote.last_price == 168.42
    assert quote.bid_price == 168.41
    assert quote.ask_price == 168.42
    assert quote.bid_size == 1300
    assert quote.ask_size == 600
    assert quote.last_size == 100


def test_quote_properties_are_none_when_absent() -> None:
    quote = Quote.from_row(PREFLIGHT_ROW)
    assert quote.last_price is None
    assert quote.symbol is None
    assert quote.volume is None


def test_quote_numeric_property_is_none_when_value_is_unparseable() -> None:
    quote = Quote.from_row({**ROW, "31": "N/A"})
    assert quote.last_price is None
    assert quote.values["last_price"] == "N/A"


def test_quote_text_properties() -> None:
    quote = Quote.from_row({**ROW, "55": "AAPL", "7051": "APPLE INC"})
    assert quote.symbol == "AAPL" and quote.company_name == "APPLE INC"


def test_quote_volume_uses_full_precision_volume_when_abbreviated_is_absent() -> None:
    assert Quote.from_row({**ROW, "7762": "24512345"}).volume == 24512345


def test_quote_volume_prefers_the_abbreviated_field() -> None:
    assert Quote.from_row({**ROW, "87": "24.5M", "7762": "24512345"}).volume == 24_500_000


def test_quote_remaining_common_properties() -> None:
    row = {
        **ROW,
        "70": "170",
        "71": "167",
        "7295": "168",
        "7296": "169",
        "7741": "167.5",
        "82": "0.92",
        "83": "0.55%",
        "7635": "168.415",
    }
    quote = Quote.from_row(row)
    assert (quote.high, quote.low, quote.open, quote.close) == (170, 167, 168, 169)
    assert (quote.prior_close, quote.change, quote.change_percent) == (167.5, 0.92, 0.55)
    assert quote.mark_price == 168.415


def test_quote_attribute_access_for_any_known_name() -> None:
    quote = Quote.from_row({**ROW, "7308": "0.55"})
    assert quote.delta == 0.55  # type: ignore[attr-defined]


def test_quote_attribute_for_absent_known_name_is_none() -> None:
    assert Quote.from_row(ROW).vega is None  # type: ignore[attr-defined]


def test_quote_attribute_for_unknown_name_raises_attribute_error_with_hint() -> None:
    with pytest.raises(AttributeError, match="last_price"):
        Quote.from_row(ROW).last_prise  # type: ignore[attr-defined]  # noqa: B018


def test_quote_getitem_by_name_and_by_id() -> None:
    quote = Quote.from_row(ROW)
    assert quote["bid_size"] == 1300
    assert quote["88"] == 1300
    assert quote[88] == 1300


def test_quote_getitem_absent_known_field_is_none() -> None:
    assert Quote.from_row(ROW)["delta"] is None


def test_quote_getitem_unknown_name_raises_key_error_with_hint() -> None:
    with pytest.raises(KeyError, match="bid_size"):
        Quote.from_row(ROW)["bid_sise"]


def test_quote_contains_tells_arrived_fields() -> None:
    quote = Quote.from_row(ROW)
    assert "bid_size" in quote and 84 in quote
    assert "delta" not in quote and "bogus" not in quote and 1.5 not in quote


def test_quote_prior_close_flag_from_last_price_prefix() -> None:
    quote = Quote.from_row({**ROW, "31": "C193.18"})
    assert quote.is_prior_close and not quote.is_halted
    assert quote.last_price == 193.18


def test_quote_halted_flag_from_last_price_prefix() -> None:
    quote = Quote.from_row({**ROW, "31": "H193.18"})
    assert quote.is_halted and not quote.is_prior_close


def test_quote_flags_are_false_for_a_plain_price() -> None:
    quote = Quote.from_row(ROW)
    assert not quote.is_prior_close and not quote.is_halted


def test_quote_availability() -> None:
    availability = Quote.from_row(ROW).availability
    assert availability is not None
    assert availability.status is AvailabilityStatus.REALTIME and availability.book


def test_quote_availability_is_none_when_absent() -> None:
    assert Quote.from_row(PREFLIGHT_ROW).availability is None


def test_quote_has_all_asked_fields() -> None:
    quote = Quote.from_row(ROW)
    assert quote.has(["last_price", "84", 86])
    assert not quote.has(["last_price", "delta"])


def test_preflight_quote_has_nothing() -> None:
    assert not Quote.from_row(PREFLIGHT_ROW).has(["last_price"])


def test_quote_missing_lists_names_and_unknown_ids() -> None:
    quote = Quote.from_row(ROW)
    assert quote.missing(["last_price", "delta", 7777, "bid_price"]) == ["delta", "7777"]


def test_quote_is_frozen() -> None:
    quote = Quote.from_row(ROW)
    with pytest.raises(AttributeError):
        quote.conid = 1  # type: ignore[misc]


def test_quotes_from_equal_rows_are_equal_and_hashable() -> None:
    assert Quote.from_row(ROW) == Quote.from_row(dict(ROW))
    assert hash(Quote.from_row(ROW)) == hash(Quote.from_row(dict(ROW)))


def test_quote_dir_lists_field_names() -> None:
    assert "delta" in dir(Quote.from_row(ROW))


def test_quote_survives_copy() -> None:
    quote = Quote.from_row(ROW)
    assert copy.copy(quote) == quote
    assert copy.deepcopy(quote) == quote


def test_quote_survives_pickle() -> None:
    quote = Quote.from_row({**ROW, "31": "C193.18"})
    clone = pickle.loads(pickle.dumps(quote))
    assert clone == quote and clone.is_prior_close and dict(clone.raw) == dict(quote.raw)


# ---------------------------------------------------------------- Quote.model


class _FakeSnapshotModel:
    """Stands in for the generated model: from_dict keeps declared keys, the rest go aside."""

    declared = ("conid", "minTick", "BidPrice", "AskPrice", "LastPrice", "Volume")

    def __init__(self, data: dict[str, Any]) -> None:
        self.named = {k: data[k] for k in self.declared if k in data}
        self.additional_properties = {k: v for k, v in data.items() if k not in self.declared}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> _FakeSnapshotModel:
        return cls(dict(data))


def _fake_models(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("ibkr_webapi_client.models")
    module.MarketDataSnapshot = _FakeSnapshotModel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ibkr_webapi_client.models", module)


def test_model_maps_field_ids_to_named_properties(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_models(monkeypatch)
    model = Quote.from_row({**ROW, "31": "C193.18", "87": "24.5M"}).model()
    assert model.named == {
        "conid": 265598,
        "BidPrice": "168.41",
        "AskPrice": "168.42",
        "LastPrice": "C193.18",
        "Volume": "24.5M",
    }


def test_model_keeps_other_keys_as_additional_properties(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_models(monkeypatch)
    extra = Quote.from_row(ROW).model().additional_properties
    assert extra["88"] == "1,300" and extra["_updated"] == 1712596911593
    assert "84" not in extra and "31" not in extra


def test_model_without_generated_package_raises_clear_import_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "ibkr_webapi_client.models", None)
    with pytest.raises(ImportError, match="MarketDataSnapshot"):
        Quote.from_row(ROW).model()


def test_model_with_generated_package() -> None:
    models = pytest.importorskip("ibkr_webapi_client.models")
    if not hasattr(models, "MarketDataSnapshot"):
        pytest.skip("ibkr_webapi_client.models has no MarketDataSnapshot yet")
    model = Quote.from_row({**ROW, "87": "24.5M"}).model()
    assert isinstance(model, models.MarketDataSnapshot)
    assert model.conid == 265598
    assert model.bid_price == "168.41"
    assert model.ask_price == "168.42"
    assert model.last_price == "168.42"
    assert model.volume == "24.5M"
    assert model.additional_properties["88"] == "1,300"


# ---------------------------------------------------------------- merge_rows


def test_merge_adds_fields_that_arrive_late() -> None:
    merged = merge_rows({"conid": 1, "31": "1.0"}, {"conid": 1, "84": "0.9"})
    assert merged == {"conid": 1, "31": "1.0", "84": "0.9"}


def test_merge_prefers_newer_values() -> None:
    assert merge_rows({"31": "1.0"}, {"31": "1.1"})["31"] == "1.1"


def test_merge_does_not_lose_values_to_empty_ones() -> None:
    merged = merge_rows({"31": "1.0", "84": "0.9"}, {"31": "", "84": None})
    assert merged == {"31": "1.0", "84": "0.9"}


def test_merge_after_preflight_row() -> None:
    merged = merge_rows(PREFLIGHT_ROW, ROW)
    assert merged == ROW


def test_merge_keeps_the_latest_update_time() -> None:
    assert merge_rows({"_updated": 20}, {"_updated": 10})["_updated"] == 20


def test_merge_does_not_modify_its_inputs() -> None:
    old, new = {"31": "1.0"}, {"84": "0.9"}
    merge_rows(old, new)
    assert old == {"31": "1.0"} and new == {"84": "0.9"}


# ---------------------------------------------------------------- split_request


def _pairs(batches: list[tuple[list[int], list[str]]]) -> list[tuple[int, str]]:
    return [pair for conids, fields in batches for pair in product(conids, fields)]


def test_small_request_is_one_batch() -> None:
    assert split_request([1, 2], ["31", "84"]) == [([1, 2], ["31", "84"])]


def test_split_at_100_conids_and_50_fields() -> None:
    conids = list(range(1, 251))
    fields = [str(i) for i in range(120)]
    batches = split_request(conids, fields)
    assert len(batches) == 3 * 3
    assert all(len(c) <= 100 and len(f) <= 50 for c, f in batches)
    assert [len(c) for c, _ in batches[::3]] == [100, 100, 50]
    assert [len(f) for _, f in batches[:3]] == [50, 50, 20]


def test_split_covers_every_pair_exactly_once() -> None:
    conids = list(range(1, 251))
    fields = [str(i) for i in range(120)]
    pairs = _pairs(split_request(conids, fields))
    assert len(pairs) == len(set(pairs)) == len(conids) * len(fields)


def test_split_exactly_at_the_limits_is_one_batch() -> None:
    batches = split_request(range(100), [str(i) for i in range(50)])
    assert len(batches) == 1


def test_split_honours_custom_limits() -> None:
    assert split_request([1, 2, 3], ["a", "b", "c"], max_conids=2, max_fields=2) == [
        ([1, 2], ["a", "b"]),
        ([1, 2], ["c"]),
        ([3], ["a", "b"]),
        ([3], ["c"]),
    ]


def test_split_without_fields_still_covers_every_conid() -> None:
    assert split_request([1, 2], []) == [([1, 2], [])]


def test_split_without_conids_is_empty() -> None:
    assert split_request([], ["31"]) == []


def test_split_rejects_non_positive_limits() -> None:
    with pytest.raises(ValueError):
        split_request([1], ["31"], max_conids=0)
