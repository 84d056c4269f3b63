"""The snapshot field table and its lookups."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibkr_webapi.errors import InvalidRequestError
from ibkr_webapi.fields import (
    DEFAULT_FIELDS,
    FIELDS,
    FIELDS_BY_NAME,
    FieldKind,
    UnknownFieldError,
    field_id,
    field_info,
    field_name,
    resolve_fields,
)

# Every field id listed in the snapshot section of gateway-behaviour.md, plus 7700 from IBKR's spec.
DOCUMENTED_IDS = {
    31, 55, 58, 70, 71, 73, 74, 75, 76, 77, 78, 79, 80, 82, 83, 84, 85, 86, 87, 88, 201,
    6004, 6008, 6070, 6072, 6073, 6119, 6457, 6508, 6509,
    7051, 7057, 7058, 7059, 7068, 7084, 7085, 7086, 7087, 7088, 7089, 7094, 7184,
    7219, 7220, 7221, 7280, 7281, 7282, 7283, 7284, 7285, 7286, 7287, 7288, 7289, 7290, 7291,
    7292, 7293, 7294, 7295, 7296, 7308, 7309, 7310, 7311, 7607, 7633, 7635, 7636, 7637, 7638,
    7639, 7644, 7655, 7671, 7672, 7674, 7675, 7676, 7677, 7678, 7679, 7724, 7681, 7682,
    7683, 7684, 7685, 7686, 7687, 7688, 7689, 7690, 7694, 7695, 7696, 7697, 7698, 7699, 7720,
    7700, 7702, 7703, 7704, 7705, 7706, 7707, 7708, 7714, 7715, 7718, 7741, 7762, 7768, 7899,
    7920, 7921, 7943,
}  # fmt: skip

EXPECTED_NAMES = {
    "31": "last_price",
    "84": "bid_price",
    "86": "ask_price",
    "87": "volume",
    "88": "bid_size",
    "85": "ask_size",
    "7059": "last_size",
    "55": "symbol",
    "70": "high",
    "71": "low",
    "7295": "open",
    "7296": "close",
    "7741": "prior_close",
    "82": "change",
    "83": "change_percent",
    "7762": "volume_long",
    "7635": "mark_price",
    "6509": "market_data_availability",
    "7051": "company_name",
    "7289": "market_cap",
    "7290": "pe",
    "7291": "eps",
    "7293": "week52_high",
}

DOC = Path(__file__).resolve().parents[2] / "docs" / "market-data.md"


def test_table_covers_every_documented_id() -> None:
    assert {str(i) for i in DOCUMENTED_IDS} <= set(FIELDS)


def test_table_has_no_undocumented_ids() -> None:
    assert set(FIELDS) == {str(i) for i in DOCUMENTED_IDS}


def test_table_is_a_bijection() -> None:
    assert len(FIELDS_BY_NAME) == len(FIELDS)
    for wire, info in FIELDS.items():
        assert info.id == wire
        assert FIELDS_BY_NAME[info.name] is info


def test_names_are_snake_case_identifiers() -> None:
    for name in FIELDS_BY_NAME:
        assert name.isidentifier() and name == name.lower(), name


def test_every_entry_has_a_kind_and_a_one_line_description() -> None:
    for info in FIELDS.values():
        assert isinstance(info.kind, FieldKind)
        assert info.description and "\n" not in info.description


@pytest.mark.parametrize(("wire", "name"), sorted(EXPECTED_NAMES.items()))
def test_common_fields_have_their_agreed_names(wire: str, name: str) -> None:
    assert field_name(wire) == name
    assert field_id(name) == wire


def test_size_and_volume_fields_have_numeric_kinds() -> None:
    assert FIELDS["88"].kind is FieldKind.SIZE
    assert FIELDS["87"].kind is FieldKind.ABBREVIATED
    assert FIELDS["31"].kind is FieldKind.PRICE
    assert FIELDS["83"].kind is FieldKind.PERCENT
    assert FIELDS["6509"].kind is FieldKind.AVAILABILITY


def test_field_id_accepts_a_name() -> None:
    assert field_id("last_price") == "31"


def test_field_id_accepts_an_id_string() -> None:
    assert field_id("31") == "31"


def test_field_id_accepts_an_int() -> None:
    assert field_id(31) == "31"


def test_field_id_tolerates_case_spaces_and_hyphens_in_names() -> None:
    assert field_id(" Bid Price ") == "84"
    assert field_id("change-percent") == "83"


def test_field_id_keeps_unknown_numeric_ids() -> None:
    assert field_id(7777) == "7777"
    assert field_id("7777") == "7777"


def test_field_id_rejects_an_unknown_name_with_a_value_error() -> None:
    with pytest.raises(ValueError):
        field_id("last_prise")


def test_unknown_name_error_suggests_close_matches() -> None:
    with pytest.raises(UnknownFieldError, match="last_price") as caught:
        field_id("last_prise")
    assert "last_price" in caught.value.suggestions


def test_unknown_name_error_says_how_to_pass_a_raw_id() -> None:
    with pytest.raises(UnknownFieldError, match="numeric id"):
        field_id("no_such_thing")


def test_field_id_rejects_zero() -> None:
    with pytest.raises(UnknownFieldError):
        field_id(0)


def test_field_id_rejects_other_types() -> None:
    with pytest.raises(InvalidRequestError, match="name or a numeric id"):
        field_id(31.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="name or a numeric id"):
        field_id(True)


def test_field_name_of_unknown_id_is_none() -> None:
    assert field_name("7777") is None


def test_field_name_accepts_an_int() -> None:
    assert field_name(84) == "bid_price"


def test_field_info_returns_the_entry() -> None:
    info = field_info("bid_size")
    assert info is not None and info.id == "88" and info.kind is FieldKind.SIZE


def test_field_info_of_unknown_id_is_none() -> None:
    assert field_info(7777) is None


def test_resolve_fields_mixes_names_and_ids() -> None:
    assert resolve_fields(["last_price", 84, "86", 7777]) == ["31", "84", "86", "7777"]


def test_resolve_fields_drops_duplicates_keeping_first_order() -> None:
    assert resolve_fields(["bid_price", "last_price", 84, "31", "bid_price"]) == ["84", "31"]


def test_resolve_fields_treats_a_single_string_as_one_field() -> None:
    assert resolve_fields("last_price") == ["31"]


def test_resolve_fields_raises_on_unknown_names() -> None:
    with pytest.raises(UnknownFieldError):
        resolve_fields(["last_price", "bogus_field"])


def test_default_fields_resolve_and_fit_one_request() -> None:
    ids = resolve_fields(DEFAULT_FIELDS)
    assert len(ids) == len(DEFAULT_FIELDS) <= 50
    assert {"31", "84", "86"} <= set(ids)


def test_market_data_doc_lists_every_field() -> None:
    text = DOC.read_text(encoding="utf-8")
    for info in FIELDS.values():
        assert f"| {info.id} | `{info.name}` |" in text, info.name
