"""The one number parser (core.params): what every query, form, JSON and URL number goes through."""

import pytest

from core.params import MAX_ID, BadParameter, get_id, get_year, lookup_id, parse_ids, parse_int, unsafe_parameter


@pytest.mark.parametrize("raw", ["²", "①", "٣", "1_000", "1.5", "1e3", "0x10", "12a", "--1", "1" * 20, "true"])
def test_what_isdigit_or_int_would_take_is_refused_in_vietnamese_naming_the_field(raw):
    with pytest.raises(BadParameter) as refused:
        parse_int(raw, field="year")
    assert refused.value.message == "Tham số “year” phải là số nguyên."
    assert (refused.value.status, refused.value.field, refused.value.code) == (400, "year", "bad_parameter")


@pytest.mark.parametrize(("raw", "expected"), [("2025", 2025), (" 7 ", 7), ("+3", 3), ("-4", -4), (12, 12)])
def test_plain_ascii_integers_parse(raw, expected):
    assert parse_int(raw, field="n") == expected


def test_blank_gives_the_default_or_is_refused_when_required():
    assert parse_int("", field="n", default=5) == 5
    assert parse_int(None, field="n") is None
    with pytest.raises(BadParameter) as refused:
        parse_int("  ", field="unit", required=True)
    assert refused.value.message == "Thiếu tham số “unit”."


@pytest.mark.parametrize("raw", ["0", "10000", "1899"])
def test_a_year_outside_the_calendar_window_is_refused(raw):
    with pytest.raises(BadParameter) as refused:
        get_year({"year": raw})
    assert refused.value.message == "Tham số “year” phải nằm trong khoảng từ 1900 đến 2100."


def test_an_id_is_positive_and_fits_the_id_columns():
    assert get_id({"unit": str(MAX_ID)}, "unit") == MAX_ID
    for raw in ("0", "-1", str(MAX_ID + 1)):
        with pytest.raises(BadParameter):
            get_id({"unit": raw}, "unit")
    with pytest.raises(BadParameter):
        parse_ids(["1", "²"], field="present")
    assert parse_ids(["3", "4"], field="present") == [3, 4]


@pytest.mark.parametrize("raw", ["abc", "1.5", "²", "0", "-2", "9" * 30, "", True])
def test_a_url_id_that_cannot_name_an_object_is_none(raw):
    assert lookup_id(raw) is None


def test_nul_and_lone_surrogates_are_unsafe():
    assert unsafe_parameter({"q": "gia\x00dinh"}) == "q"
    assert unsafe_parameter({"name": "\ud800"}) == "name"
    assert unsafe_parameter({"q": "Gia đình học tập ①"}) is None
