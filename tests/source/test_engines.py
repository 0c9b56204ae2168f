"""The same Ibis aggregation on DuckDB and on Spark (local mode) gives identical tables."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from buurtbeeld.source.aggregate import aggregate
from buurtbeeld.source.spec import load_spec
from tests.source.test_keys_and_snapshots import ELF_FAIL, P1, P2, P3, ROWS, SPEC

pytest.importorskip("pyspark", reason="Spark-engine niet geïnstalleerd (extra 'spark')")


def _java_major() -> int | None:
    """Major version of the `java` on PATH (PySpark 4 needs 17 or newer), or None."""
    java = shutil.which("java")
    if java is None:
        return None
    shown = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    found = re.search(r'version "(\d+)(?:\.(\d+))?', shown)
    if found is None:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major  # "1.8" is Java 8


if (_java_major() or 0) < 17:
    pytest.skip(
        "Java 17 of nieuwer ontbreekt: de Spark-vergelijking wordt overgeslagen "
        "(installeer bijvoorbeeld Debian's default-jre-headless)",
        allow_module_level=True,
    )

# PySpark 4.0 passes pandas' deprecated `copy=` keyword, and py4j leaves its gateway socket to
# the garbage collector: both are third-party and harmless here.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def _assert_same(folder: Path, register: str) -> None:
    spec = load_spec(folder / f"{register}.yaml")
    duck = aggregate(spec, engine="duckdb")
    spark = aggregate(spec, engine="spark")
    assert (duck.engine, spark.engine) == ("duckdb", "spark")
    assert duck.bad_rows == spark.bad_rows
    assert (duck.rows_read, duck.outside_period) == (spark.rows_read, spark.outside_period)
    assert duck.categories == spark.categories
    assert [t.name for t in duck.tables] == [t.name for t in spark.tables]
    for a, b in zip(duck.tables, spark.tables, strict=True):
        assert a.data.num_rows > 0
        assert a.data.schema.names == b.data.schema.names, a.name
        assert a.data.to_pylist() == b.data.to_pylist(), a.name  # ordered, all levels


def test_duckdb_and_spark_give_identical_tables(delivery: Path) -> None:
    # the CI smoke test (~30 s incl. the Spark session): CSV + postcode table, dates jjjjmmdd,
    # decimal-comma amounts with top-2 holdings, a dimension with several categories per unit
    _assert_same(delivery, "schuldsignalen")


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("BUURTBEELD_SPARK_ALLES"),
    reason="zet BUURTBEELD_SPARK_ALLES=1 om alle registers ook op Spark te vergelijken "
    "(+50 tot 120 s; CI doet dat, zie .ci/run)",
)
@pytest.mark.parametrize("register", ["wmo", "jeugdhulp", "bijstand"])
def test_duckdb_and_spark_agree_on_every_register(delivery: Path, register: str) -> None:
    # wmo: cp1252 + age bands; jeugdhulp: XLSX + buurtcodes; bijstand: typed Parquet, stocks
    # on four quarterly reference days
    _assert_same(delivery, register)


def test_duckdb_and_spark_agree_on_bsns(tmp_path: Path) -> None:
    """BSN normalisation and the elfproef (item 11): text with lost or extra leading zeros and
    every kind of invalid value, plus a typed Parquet file of the same persons."""
    (tmp_path / "export.csv").write_text(
        "bsn;buurt;vorm;start\n" + "\n".join(ROWS) + "\n", encoding="utf-8"
    )
    typed = pa.table(
        {
            "bsn": pa.array([P1, P2, P3, ELF_FAIL, -5, 10**10, None], pa.int64()),
            "buurt": pa.array(["BU05050200"] * 7),
            "vorm": pa.array(["ambulant"] * 7),
            "start": pa.array(["2024-09-01"] * 7),
        }
    )
    pq.write_table(typed, tmp_path / "getypt.parquet")
    spec = SPEC.replace(
        "bestanden: [{pad: export.csv}]", "bestanden: [{pad: export.csv}, {pad: getypt.parquet}]"
    )
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    _assert_same(tmp_path, "spec")
