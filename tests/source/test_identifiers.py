"""BSN normalisation: one rule set, the same in plain Python and in the Ibis expression."""

from __future__ import annotations

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from buurtbeeld.source.identifiers import (
    ELFPROEF,
    NON_DIGIT,
    TOO_LONG,
    bsn_expr,
    check_bsn,
    passes_elfproef,
)
from buurtbeeld.source.synthetic import passes_eleven_test

TRICKY = [
    " 053314773 ",
    "53314773",
    "0053314773",
    "111222333",
    "123456789",
    "12345678x",
    "",
    "   ",
    None,
    "1234567890",
    "00000000000111222333",
    "000000000",
    "0",
    "-53314773",
    "5 3314773",
    "53314773\t",
    "١٢٣٤٥٦٧٨٩",  # Arabic-Indic digits are not digits of a BSN
    "+53314773",
    "5.3314773E7",
]


def _engine(values: list[object], typ: pa.DataType) -> list[tuple[int | None, str | None]]:
    con = ibis.duckdb.connect()
    table = con.create_table("t", pa.table({"v": pa.array(values, typ)}))
    number, reason = bsn_expr(table.v)
    rows = con.to_pyarrow(table.select(n=number, r=reason)).to_pylist()
    return [(r["n"], r["r"]) for r in rows]


def _python(values: list[object]) -> list[tuple[int | None, str | None]]:
    return [(c.number, c.reason) for c in map(check_bsn, values)]


def test_leading_zeros_are_one_person_and_failures_have_a_reason() -> None:
    assert {check_bsn(v).text for v in (" 053314773 ", "53314773", "0053314773", 53314773)} == {
        "053314773"
    }
    assert check_bsn("12345678x").reason == NON_DIGIT
    assert check_bsn("1234567890").reason == TOO_LONG
    assert check_bsn("123456789").reason == ELFPROEF
    assert check_bsn("000000000").reason == ELFPROEF
    assert check_bsn("   ") == check_bsn(None) == check_bsn("")  # empty: missing, no reason
    assert check_bsn("").number is None and check_bsn("").reason is None


def test_python_and_duckdb_agree_on_text_numbers_and_floats() -> None:
    assert _engine(TRICKY, pa.string()) == _python(TRICKY)
    ints: list[object] = [53314773, 111222333, -1, 0, 10**10, None]
    assert _engine(ints, pa.int64()) == _python(ints)
    floats: list[object] = [53314773.0, 1.5, -2.0, float("nan"), float("inf"), None]
    assert _engine(floats, pa.float64()) == _python(floats)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(0, 10**11).map(str),
            st.integers(0, 10**9).map(lambda n: f"{n:09d}"),
            st.text(alphabet="0123456789 x\t-", max_size=12),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_python_and_duckdb_agree_on_random_identifiers(values: list[object]) -> None:
    assert _engine(values, pa.string()) == _python(values)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 999_999_999))
def test_elfproef_agrees_with_an_independent_implementation(number: int) -> None:
    assert passes_elfproef(number) == passes_eleven_test(number)
