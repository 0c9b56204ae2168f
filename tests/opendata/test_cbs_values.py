import numpy as np
import pyarrow as pa
import pytest

from buurtbeeld.errors import ImportFileError
from buurtbeeld.opendata.cbs_values import parse_codes, parse_column


def test_cbs_markers_are_hidden_never_zero() -> None:
    parsed = parse_column(
        pa.array(["  12", ".", "0", "x", "-", None, " "]), name="a_soz_wb", file_name="t.csv"
    )
    assert parsed.hidden.tolist() == [False, True, False, True, True, True, True]
    assert parsed.values[0] == 12 and parsed.values[2] == 0
    assert np.isnan(parsed.values[parsed.hidden]).all()


def test_decimal_commas_and_points_both_parse() -> None:
    parsed = parse_column(
        pa.array(["0,9", "1.7", "    47.0", "1234"]), name="g_pau_hh", file_name="t.csv"
    )
    assert parsed.values.tolist() == [0.9, 1.7, 47.0, 1234.0]


def test_numeric_columns_keep_nulls_as_hidden() -> None:
    parsed = parse_column(pa.array([1.5, None, 3.0]), name="p_wmo_t", file_name="t.parquet")
    assert parsed.hidden.tolist() == [False, True, False]


def test_text_in_a_number_column_names_column_and_row() -> None:
    with pytest.raises(ImportFileError, match=r"Kolom 'a_inw'.*rij 3: 'veel'") as info:
        parse_column(pa.array(["1", "veel", "3"]), name="a_inw", file_name="kwb.csv")
    assert info.value.code == "BB-IMP-010"


def test_codes_lose_statline_padding() -> None:
    assert parse_codes(pa.array(["GM0505    ", None])) == ["GM0505", ""]
