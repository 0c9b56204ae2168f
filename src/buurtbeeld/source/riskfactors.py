"""Group-level risk factors at the source (issue 15 item 4): aggregate in DuckDB, estimate on groups.

A research table (one row per child: person key, household key, buurtcode, 0/1 household
factors, 0/1 outcome) is reduced **inside DuckDB** to a handful of group tables; Python only
sees those groups, never a row per child or household:

1. *rows → children*: bad rows counted per reason (never printed), one row per child (a child
   listed twice counts once), the child's wijk from the division;
2. *children → households*: a factor holds for a household when any of its rows has it;
3. *model groups*: (factor pattern, children, cases) → number of households — the input of the
   clustered Poisson model (:mod:`buurtbeeld.source.riskfactors_model`);
4. *cells*: per factor, children by factor × outcome, with households and the two largest
   households (for the output checks); per wijk and gemeente, children by number of factors.

No score, prediction or probability per child or household is ever computed: the model's
estimates are relative risks of groups (docs/risicofactoren.md says why).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.protect.published import TOTAL
from buurtbeeld.source.readers import StagedFile, stage
from buurtbeeld.source.regions import Division, load_division
from buurtbeeld.source.riskfactors_check import CellSummary
from buurtbeeld.source.riskfactors_model import Groups
from buurtbeeld.source.riskfactors_spec import FACTOR_COUNT_CATEGORIES, RiskSpec
from buurtbeeld.source.units import workdir

Progress = Callable[[str], None]
TRUE_VALUES = ("1", "1.0", "true", "ja", "j", "yes")
FALSE_VALUES = ("0", "0.0", "false", "nee", "n", "no")


class RiskColumnError(BuurtbeeldError, ValueError):
    """A column named in the risk-factor spec is not in the research table (``BB-RSK-002``)."""

    code = "BB-RSK-002"
    http_status = 422
    default_hint = "Pas de kolomnamen in de specificatie aan aan het bestand."


class RiskValueError(BuurtbeeldError, ValueError):
    """A factor or outcome column holds values other than 0/1 (``BB-RSK-003``)."""

    code = "BB-RSK-003"
    http_status = 422
    default_hint = (
        "Een factor of uitkomst is 0/1, ja/nee of true/false per regel (leeg telt als ontbrekend). "
        "Maak van een getal of categorie eerst een ja/nee-kolom."
    )


class RiskDataError(BuurtbeeldError, ValueError):
    """Nothing to analyse: no valid child in the area, or no variation (``BB-RSK-004``)."""

    code = "BB-RSK-004"
    http_status = 422
    default_hint = "Controleer gemeente, indelingsjaar en de buurtcodekolom in de specificatie."


@dataclass
class FactorCells:
    """The cells behind one factor's outputs (whole area)."""

    exposed: CellSummary
    unexposed: CellSummary
    by_outcome: dict[tuple[int, int], CellSummary]
    """(factor 0/1, outcome 0/1) → cell."""


@dataclass
class RiskAggregation:
    """Everything the estimates, checks and package need: groups and cells, no person."""

    spec: RiskSpec
    division: Division
    groups: Groups
    factors: dict[str, FactorCells]
    area_cells: dict[tuple[str, str], CellSummary]
    """(region code, number-of-factors category or ``totaal``) → cell (wijk, gemeente, land)."""
    rows_read: int
    bad_rows: Counter[str] = field(default_factory=Counter)
    children: int = 0
    households: int = 0


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(column: str) -> str:
    return f"lower(trim(CAST({_quote(column)} AS VARCHAR)))"


def _flag(column: str, kind: pa.DataType) -> tuple[str, str]:
    """SQL for the 0/1 value of a column and for "has a value that is not 0/1".

    Typed Parquet columns (integers, booleans) are compared as numbers: no text conversion of
    millions of values."""
    col = _quote(column)
    if pa.types.is_boolean(kind):
        return f"CAST({col} AS TINYINT)", "false"
    if pa.types.is_integer(kind):
        return f"CASE WHEN {col} IN (0, 1) THEN CAST({col} AS TINYINT) END", f"{col} NOT IN (0, 1)"
    text = _text(column)
    yes = ", ".join(f"'{v}'" for v in TRUE_VALUES)
    no = ", ".join(f"'{v}'" for v in FALSE_VALUES)
    flag = f"CASE WHEN {text} IN ({yes}) THEN 1 WHEN {text} IN ({no}) THEN 0 END"
    return flag, f"{text} <> '' AND ({flag}) IS NULL"


def _key(column: str, kind: pa.DataType) -> str:
    """A key as it is (integers), or trimmed text with empty as missing."""
    if pa.types.is_integer(kind):
        return _quote(column)
    return f"NULLIF(trim(CAST({_quote(column)} AS VARCHAR)), '')"


def _columns(spec: RiskSpec, names: list[str], file: str) -> None:
    wanted = [("sleutels.persoon", spec.sleutels.column("persoon"))]
    wanted += [("sleutels.huishouden", spec.sleutels.column("huishouden"))]
    wanted += [("buurtcode", spec.buurtcode), ("uitkomst.kolom", spec.uitkomst.kolom)]
    wanted += [(f"factoren.{f.naam}.kolom", f.kolom) for f in spec.factoren]
    missing = [(where, col) for where, col in wanted if col is not None and col not in names]
    if missing:
        listed = "; ".join(f"veld '{where}': kolom '{col}'" for where, col in missing)
        raise RiskColumnError(
            f"Kolommen uit de specificatie staan niet in '{file}': {listed}.",
            hint=f"Beschikbare kolommen: {', '.join(names[:30])}.",
        )


def _division_table(division: Division) -> pa.Table:
    codes = sorted(division.buurten)
    return pa.table(
        {
            "buurt": codes,
            "wijk": [division.buurten[c][0] for c in codes],
            "gemeente": [division.buurten[c][1] for c in codes],
        }
    )


def _cell(children: int, households: int, largest: list[int] | None) -> CellSummary:
    return CellSummary(int(children), int(households), tuple(int(v) for v in largest or ()))


def aggregate_risk(
    spec: RiskSpec, *, progress: Progress | None = None, memory_limit: str = "3GB"
) -> RiskAggregation:
    """Reduce the research table to groups and cells in DuckDB (see the module docstring).

    Raises
    ------
    InputFileError
        ``BB-SPEC-002``: the file is missing or unreadable.
    RiskColumnError, RiskValueError, RiskDataError
        ``BB-RSK-002`` … ``BB-RSK-004``.
    """
    division = load_division(tuple(spec.gemeenten), spec.indelingsjaar)
    with workdir(None) as tmp:
        if progress:
            progress("Onderzoekstabel lezen")
        staged = stage(spec.bestand, tmp, 0)
        _columns(spec, list(staged.schema.names), staged.name)
        con = duckdb.connect()
        try:
            con.execute(f"SET memory_limit = '{memory_limit}'")
            con.execute(f"SET temp_directory = '{tmp / 'duckdb'}'")
            con.execute("SET preserve_insertion_order = false")
            con.execute("SET enable_progress_bar = false")  # the command shows its own
            return _aggregate(con, spec, division, staged, progress)
        finally:
            con.close()


def _aggregate(
    con: duckdb.DuckDBPyConnection,
    spec: RiskSpec,
    division: Division,
    staged: StagedFile,
    progress: Progress | None,
) -> RiskAggregation:
    regions = _division_table(division)
    con.register("regio_arrow", regions)
    con.execute("CREATE TEMP TABLE regio AS SELECT * FROM regio_arrow")
    path = str(staged.parquet).replace("'", "''")
    con.execute(f"CREATE TEMP VIEW bron AS SELECT * FROM read_parquet('{path}')")
    types = {f.name: f.type for f in staged.schema}
    person = spec.sleutels.column("persoon") or ""
    household = spec.sleutels.column("huishouden")
    n = len(spec.factoren)
    columns = [*(f.kolom for f in spec.factoren), spec.uitkomst.kolom]
    flags = [_flag(c, types[c]) for c in columns]
    invalid = ", ".join(f"count(*) FILTER ({wrong})" for _, wrong in flags)
    found = con.execute(f"SELECT {invalid} FROM bron").fetchone() or ()
    bad_columns = [(c, int(v)) for c, v in zip(columns, found, strict=True) if v]
    if bad_columns:
        listed = "; ".join(f"kolom '{c}': {v} regels" for c, v in bad_columns)
        raise RiskValueError(f"Waarden die geen 0/1 of ja/nee zijn: {listed}.")
    if progress:
        progress("Ongeldige regels tellen en kinderen bepalen")
    key = _key(person, types[person])
    hh = _key(household, types[household]) if household else key
    # buurtcodes normalised once per distinct value, not per row
    raw = _quote(spec.buurtcode)
    code = "upper(trim(CAST(raw AS VARCHAR)))"
    buurt = f"CASE WHEN regexp_full_match({code}, '[0-9]{{8}}') THEN 'BU' || {code} ELSE {code} END"
    con.execute(
        f"""CREATE TEMP TABLE codes AS SELECT d.raw, r.wijk, r.gemeente
        FROM (SELECT DISTINCT {raw} AS raw FROM bron) d LEFT JOIN regio r ON r.buurt = {buurt}"""
    )
    values = ", ".join(f"{flag} AS f{i}" for i, (flag, _) in enumerate(flags[:-1]))
    con.execute(
        f"""CREATE TEMP TABLE rij AS SELECT {key} AS persoon, {hh} AS hh, c.wijk, c.gemeente,
        {values}, {flags[-1][0]} AS y FROM bron LEFT JOIN codes c ON bron.{raw} = c.raw"""
    )
    any_missing = " OR ".join([*(f"f{i} IS NULL" for i in range(n)), "y IS NULL"])
    reasons = f"""CASE WHEN persoon IS NULL THEN 'persoonsnummer ontbreekt'
        WHEN hh IS NULL THEN 'huishoudnummer ontbreekt'
        WHEN wijk IS NULL THEN 'buurtcode ontbreekt, is onbekend of ligt buiten het gebied'
        WHEN {any_missing} THEN 'factor of uitkomst ontbreekt' END"""
    counted = con.execute(f"SELECT {reasons} AS reden, count(*) FROM rij GROUP BY reden").fetchall()
    rows_read = sum(int(c) for _, c in counted) + staged.bad_shape_rows
    bad = Counter({str(r): int(c) for r, c in counted if r is not None})
    if staged.bad_shape_rows:
        bad["regel met verkeerd aantal velden"] += staged.bad_shape_rows
    fmax = ", ".join(f"max(f{i}) AS f{i}" for i in range(n))
    fs = ", ".join(f"f{i}" for i in range(n))
    # a child listed twice counts once: its smallest household key and buurt, any factor;
    # then per household and wijk (a household's children may live in two wijken)
    con.execute(
        f"""CREATE TEMP TABLE kind_wijk AS SELECT hh, wijk, gemeente, {fmax}, count(*) AS m,
        CAST(sum(y) AS BIGINT) AS y FROM (SELECT persoon, min(hh) AS hh, min(wijk) AS wijk,
        min(gemeente) AS gemeente, {fmax}, max(y) AS y FROM rij WHERE ({reasons}) IS NULL
        GROUP BY persoon) GROUP BY hh, wijk, gemeente"""
    )
    con.execute(
        f"""CREATE TEMP TABLE huishouden AS SELECT hh, {fmax}, CAST(sum(m) AS BIGINT) AS m,
        CAST(sum(y) AS BIGINT) AS y FROM kind_wijk GROUP BY hh"""
    )
    children, households = con.execute("SELECT sum(m), count(*) FROM huishouden").fetchone() or (
        0,
        0,
    )
    if not children:
        raise RiskDataError(
            "Geen enkel kind met een geldige regel in het gebied van de specificatie."
        )
    if progress:
        progress("Groepen en cellen tellen (DuckDB)")
    rows = con.execute(
        f"SELECT {fs}, m, y, count(*) AS w FROM huishouden GROUP BY ALL ORDER BY ALL"
    ).fetchnumpy()
    groups = Groups(
        np.column_stack([rows[f"f{i}"] for i in range(n)]).astype(np.int8),
        np.asarray(rows["m"], dtype=np.int64),
        np.asarray(rows["y"], dtype=np.int64),
        np.asarray(rows["w"], dtype=np.int64),
    )
    factors = {f.naam: factor_cells(groups, i) for i, f in enumerate(spec.factoren)}
    area = _area_cells(con, n, national=division.national)
    return RiskAggregation(
        spec, division, groups, factors, area, rows_read, bad, int(children), int(households)
    )


def _summary(values: np.ndarray, weights: np.ndarray) -> CellSummary:
    """Children, households and the two largest households of households with ``values``
    children each (``weights`` households per value); households without children left out."""
    keep = (values > 0) & (weights > 0)
    values, weights = values[keep], weights[keep]
    order = np.argsort(-values, kind="stable")
    largest = np.repeat(values[order], np.minimum(weights[order], 2))[:2]
    return CellSummary(
        int((values * weights).sum()), int(weights.sum()), tuple(int(v) for v in largest)
    )


def factor_cells(groups: Groups, k: int) -> FactorCells:
    """One factor's cells from the household groups (exact: a factor holds per household)."""
    x = np.asarray(groups.x)[:, k]
    m, y, w = np.asarray(groups.m), np.asarray(groups.y), np.asarray(groups.w)
    cells = {}
    for f in (0, 1):
        sel = x == f
        cells[(f, 1)] = _summary(y[sel], w[sel])
        cells[(f, 0)] = _summary((m - y)[sel], w[sel])
    return FactorCells(_summary(m[x == 1], w[x == 1]), _summary(m[x == 0], w[x == 0]), cells)


def _area_cells(
    con: duckdb.DuckDBPyConnection, n: int, *, national: bool
) -> dict[tuple[str, str], CellSummary]:
    """Per wijk, gemeente (and land): children by number of factors, with households."""
    factors = " + ".join(f"h.f{i}" for i in range(n))
    con.execute(
        f"""CREATE TEMP TABLE wijk_h AS SELECT w.hh, w.wijk, w.gemeente, w.m,
        CAST(least({factors}, 3) AS VARCHAR) AS nf FROM kind_wijk w JOIN huishouden h USING (hh)"""
    )
    # (wijk, household) is one row already; for gemeente and land a household's wijken add up
    parts = [
        f"""SELECT wijk AS regio, CASE WHEN grouping(nf) = 1 THEN '{TOTAL}' ELSE nf END AS cat,
        sum(m), count(*), max(m, 2) FROM wijk_h GROUP BY GROUPING SETS ((wijk, nf), (wijk))""",
        f"""SELECT gemeente AS regio, CASE WHEN grouping(nf) = 1 THEN '{TOTAL}' ELSE nf END AS cat,
        sum(m), count(*), max(m, 2) FROM (SELECT gemeente, hh, nf, CAST(sum(m) AS BIGINT) AS m
        FROM wijk_h
        GROUP BY gemeente, hh, nf) GROUP BY GROUPING SETS ((gemeente, nf), (gemeente))""",
    ]
    if national:
        parts.append(
            f"""SELECT '{COUNTRY_CODE}' AS regio, CASE WHEN grouping(nf) = 1 THEN '{TOTAL}'
            ELSE nf END AS cat, sum(m), count(*), max(m, 2) FROM (SELECT hh, nf,
            CAST(sum(m) AS BIGINT) AS m FROM wijk_h GROUP BY hh, nf) GROUP BY GROUPING SETS ((nf), ())"""
        )
    # one query per level: a UNION ALL of the three hung DuckDB 1.5.6 on the national table
    rows = [row for part in parts for row in con.execute(part).fetchall()]
    labels = dict(zip(("0", "1", "2", "3"), FACTOR_COUNT_CATEGORIES, strict=True))
    return {
        (str(region), labels.get(str(cat), str(cat))): _cell(c, h, top)
        for region, cat, c, h, top in rows
    }
