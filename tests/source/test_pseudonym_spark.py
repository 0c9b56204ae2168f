"""The same pseudonymised extract on DuckDB and on Spark (local mode)."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from buurtbeeld.source.link_key import create_key_file
from buurtbeeld.source.pseudonym import pseudonymise, read_extract_meta
from buurtbeeld.source.spec import load_spec

# the Spark checks (PySpark installed, Java 17) and warning filters of the aggregation's test
from tests.source.test_engines import pytestmark  # noqa: F401


def _assert_same(folder: Path, register: str) -> None:
    spec = load_spec(folder / f"{register}.yaml")
    key = create_key_file(folder / f"{register}.sleutel", "vergelijking")
    duck = pseudonymise(spec, key, folder / "duckdb.parquet", engine="duckdb")
    spark = pseudonymise(spec, key, folder / "spark.parquet", engine="spark")
    assert (duck.engine, spark.engine) == ("duckdb", "spark")
    assert read_extract_meta(duck.path) == read_extract_meta(spark.path)
    a, b = pq.read_table(duck.path), pq.read_table(spark.path)
    assert a.num_rows > 0
    assert a.equals(b)


def test_duckdb_and_spark_write_the_same_extract(delivery: Path) -> None:
    # persons with the household of their latest record carried along (cp1252, postcodes)
    _assert_same(delivery, "wmo")


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("BUURTBEELD_SPARK_ALLES"),
    reason="zet BUURTBEELD_SPARK_ALLES=1 om alle registers ook op Spark te vergelijken",
)
@pytest.mark.parametrize("register", ["jeugdhulp", "bijstand", "schuldsignalen"])
def test_duckdb_and_spark_agree_on_every_register(delivery: Path, register: str) -> None:
    _assert_same(delivery, register)


def test_duckdb_and_spark_agree_on_integer_keys(tmp_path: Path) -> None:
    # typed BSNs and household numbers: the household of the latest record stays an integer
    from tests.source.test_pseudonym import write_typed

    write_typed(tmp_path)
    _assert_same(tmp_path, "getypt")
