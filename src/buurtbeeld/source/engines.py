"""Aggregation engines: DuckDB (default) and Apache Spark in local mode, both through Ibis.

The aggregation in :mod:`buurtbeeld.source.aggregate` is written once as Ibis expressions;
this module only opens the backend. Spark is the scale-out path: it needs the optional extra
(``pip install 'buurtbeeld[spark]'``) and Java 17; a session costs 10-20 s to start.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Literal

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
        con = ibis.duckdb.connect()
        if memory_limit:
            con.raw_sql(f"SET memory_limit = '{memory_limit}'")
        con.raw_sql("SET preserve_insertion_order = false")
        return con
    if engine == "spark":
        return ibis.pyspark.connect(spark_session())
    raise SpecError(f"Onbekende engine '{engine}'.", hint="Kies 'duckdb' of 'spark'.")


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
