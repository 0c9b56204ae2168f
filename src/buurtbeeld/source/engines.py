"""Aggregation engines: DuckDB (default) and Apache Spark in local mode, both through Ibis.

The aggregation in :mod:`buurtbeeld.source.aggregate` is written once as Ibis expressions;
this module only opens the backend. Spark is the scale-out path: it needs the optional extra
(``pip install 'buurtbeeld[spark]'``) and Java 17; a session costs 10-20 s to start.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Literal

import duckdb
import ibis
from ibis.backends import BaseBackend

from buurtbeeld.source.errors import SpecError

EngineName = Literal["duckdb", "spark"]
ENGINES: tuple[EngineName, ...] = ("duckdb", "spark")


def connect(engine: EngineName = "duckdb", *, memory_limit: str | None = None) -> BaseBackend:
    """An Ibis backend for ``engine``.

    Parameters
    ----------
    engine
        ``duckdb`` (in-process, default) or ``spark`` (PySpark ``local[2]``).
    memory_limit
        DuckDB memory limit, e.g. ``"2GB"`` (DuckDB spills to disk beyond it).

    Raises
    ------
    SpecError
        When the engine is unknown or Spark is not installed.
    """
    if engine == "duckdb":
        if memory_limit:
            # a limit is a setting of the whole database: this one gets its own
            con = ibis.duckdb.connect()
            con.raw_sql(f"SET memory_limit = '{memory_limit}'")
        else:
            con = ibis.duckdb.connect(_shared_database())
        con.raw_sql("SET preserve_insertion_order = false")
        return con
    if engine == "spark":
        return ibis.pyspark.connect(spark_session())
    raise SpecError(f"Onbekende engine '{engine}'.", hint="Kies 'duckdb' of 'spark'.")


SHARED_DATABASE = ":memory:buurtbeeld"


@lru_cache(maxsize=1)
def _shared_database() -> str:
    """The in-memory DuckDB database of this process, kept open (by one idle connection).

    Every :func:`connect` is a connection of its own (its own temporary tables and views) to
    this one database: a new database per aggregation allocates (and the operating system
    zeroes) its working memory anew, about 0.2 s for a national register.
    """
    _KEEP.append(duckdb.connect(SHARED_DATABASE))
    return SHARED_DATABASE


_KEEP: list[duckdb.DuckDBPyConnection] = []


@lru_cache(maxsize=1)
def spark_session() -> Any:
    """One local Spark session per process (``local[2]``, no UI, UTC, 16 shuffle partitions).

    Raises
    ------
    SpecError
        When PySpark is not installed.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as err:
        raise SpecError(
            "De Spark-engine is niet geïnstalleerd.",
            hint="Installeer de extra: pip install 'buurtbeeld[spark]' (en Java 17), of gebruik engine: duckdb.",
        ) from err
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master(os.environ.get("BUURTBEELD_SPARK_MASTER", "local[2]"))
        .appName("buurtbeeld-bron")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "16")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", os.environ.get("BUURTBEELD_SPARK_MEMORY", "4g"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session
