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
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.protect.published import TOTAL
from buurtbeeld.source.readers import stage
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


def _flag(column: str) -> str:
    text = _text(column)
    yes = ", ".join(f"'{v}'" for v in TRUE_VALUES)
    no = ", ".join(f"'{v}'" for v in FALSE_VALUES)
    return f"CASE WHEN {text} IN ({yes}) THEN 1 WHEN {text} IN ({no}) THEN 0 END"


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
            return _aggregate(con, spec, division, staged.parquet, staged.bad_shape_rows, progress)
        finally:
            con.close()


def _aggregate(
    con: duckdb.DuckDBPyConnection,
    spec: RiskSpec,
    division: Division,
    parquet: Path,
    bad_shape: int,
    progress: Progress | None,
) -> RiskAggregation:
    regions = _division_table(division)
    con.register("regio_arrow", regions)
    con.execute("CREATE TEMP TABLE regio AS SELECT * FROM regio_arrow")
    path = str(parquet).replace("'", "''")
    con.execute(f"CREATE TEMP VIEW bron AS SELECT * FROM read_parquet('{path}')")
    person = spec.sleutels.column("persoon") or ""
    household = spec.sleutels.column("huishouden")
    n = len(spec.factoren)
    columns = [*(f.kolom for f in spec.factoren), spec.uitkomst.kolom]
    invalid = ", ".join(
        f"count(*) FILTER ({_text(c)} <> '' AND ({_flag(c)}) IS NULL)" for c in columns
    )
    wrong = con.execute(f"SELECT {invalid} FROM bron").fetchone() or ()
    bad_columns = [(c, int(v)) for c, v in zip(columns, wrong, strict=True) if v]
    if bad_columns:
        listed = "; ".join(f"kolom '{c}': {v} regels" for c, v in bad_columns)
        raise RiskValueError(f"Waarden die geen 0/1 of ja/nee zijn: {listed}.")
    key = f"NULLIF(trim(CAST({_quote(person)} AS VARCHAR)), '')"
    hh = f"NULLIF(trim(CAST({_quote(household)} AS VARCHAR)), '')" if household else key
    code = f"upper(trim(CAST({_quote(spec.buurtcode)} AS VARCHAR)))"
    buurt = f"CASE WHEN regexp_full_match({code}, '[0-9]{{8}}') THEN 'BU' || {code} ELSE {code} END"
    flags = ", ".join(f"{_flag(c)} AS f{i}" for i, c in enumerate(columns[:-1]))
    con.execute(
        f"""CREATE TEMP TABLE rij AS SELECT {key} AS persoon, {hh} AS hh, {buurt} AS buurt,
        {flags}, {_flag(spec.uitkomst.kolom)} AS y FROM bron"""
    )
    if progress:
        progress("Ongeldige regels tellen en kinderen bepalen")
    any_missing = " OR ".join([*(f"f{i} IS NULL" for i in range(n)), "y IS NULL"])
    reasons = f"""CASE WHEN persoon IS NULL THEN 'persoonsnummer ontbreekt'
        WHEN hh IS NULL THEN 'huishoudnummer ontbreekt'
        WHEN regio.buurt IS NULL THEN 'buurtcode ontbreekt, is onbekend of ligt buiten het gebied'
        WHEN {any_missing} THEN 'factor of uitkomst ontbreekt' END"""
    con.execute(
        f"""CREATE TEMP TABLE geldig AS SELECT rij.*, regio.wijk, regio.gemeente, {reasons} AS reden
        FROM rij LEFT JOIN regio ON rij.buurt = regio.buurt"""
    )
    rows_read = int((con.execute("SELECT count(*) FROM rij").fetchone() or (0,))[0]) + bad_shape
    bad = Counter(
        {
            str(r): int(c)
            for r, c in con.execute(
                "SELECT reden, count(*) FROM geldig WHERE reden IS NOT NULL GROUP BY reden"
            ).fetchall()
        }
    )
    if bad_shape:
        bad["regel met verkeerd aantal velden"] += bad_shape
    fmax = ", ".join(f"max(f{i}) AS f{i}" for i in range(n))
    fs = ", ".join(f"f{i}" for i in range(n))
    # a child listed twice counts once: its smallest household key and buurt, any factor
    con.execute(
        f"""CREATE TEMP TABLE kind AS SELECT persoon, min(hh) AS hh, min(wijk) AS wijk,
        min(gemeente) AS gemeente, {fmax}, max(y) AS y FROM geldig WHERE reden IS NULL
        GROUP BY persoon"""
    )
    con.execute(
        f"""CREATE TEMP TABLE huishouden AS SELECT hh, {fmax}, count(*) AS m, sum(y) AS y
        FROM kind GROUP BY hh"""
    )
    children, households = con.execute(
        "SELECT (SELECT count(*) FROM kind), (SELECT count(*) FROM huishouden)"
    ).fetchone() or (0, 0)
    if not children:
        raise RiskDataError(
            "Geen enkel kind met een geldige regel in het gebied van de specificatie."
        )
    if progress:
        progress("Groepen en cellen tellen (DuckDB)")
    rows = con.execute(
        f"SELECT {fs}, m, y, count(*) FROM huishouden GROUP BY ALL ORDER BY ALL"
    ).fetchnumpy()
    groups = Groups(
        np.column_stack([rows[f"f{i}"] for i in range(n)]).astype(np.int8),
        np.asarray(rows["m"], dtype=np.int64),
        np.asarray(rows["y"], dtype=np.int64),
        np.asarray(rows["count_star()"], dtype=np.int64),
    )
    hh_factors = ", ".join(f"h.f{i}" for i in range(n))
    con.execute(
        f"""CREATE TEMP TABLE kind_h AS SELECT k.hh, k.wijk, k.gemeente, k.y, {hh_factors},
        least({" + ".join(f"h.f{i}" for i in range(n))}, 3) AS nf
        FROM kind k JOIN huishouden h USING (hh)"""
    )
    factors = {f.naam: _factor_cells(con, i) for i, f in enumerate(spec.factoren)}
    area = _area_cells(con, national=division.national)
    return RiskAggregation(
        spec, division, groups, factors, area, rows_read, bad, int(children), int(households)
    )


def _factor_cells(con: duckdb.DuckDBPyConnection, i: int) -> FactorCells:
    rows = con.execute(
        f"""WITH per AS (SELECT f{i} AS f, y, grouping(y) AS gy, hh, count(*) AS c FROM kind_h
        GROUP BY GROUPING SETS ((f{i}, y, hh), (f{i}, hh)))
        SELECT f, y, gy, sum(c), count(*), max(c, 2) FROM per GROUP BY f, y, gy"""
    ).fetchall()
    empty = CellSummary(0, 0)
    by_outcome = {(f, y): empty for f in (0, 1) for y in (0, 1)}
    margin = {0: empty, 1: empty}
    for f, y, gy, c, h, top in rows:
        if gy:
            margin[int(f)] = _cell(c, h, top)
        else:
            by_outcome[(int(f), int(y))] = _cell(c, h, top)
    return FactorCells(margin[1], margin[0], by_outcome)


def _area_cells(
    con: duckdb.DuckDBPyConnection, *, national: bool
) -> dict[tuple[str, str], CellSummary]:
    levels = [("wijk", "wijk, "), ("gemeente", "gemeente, ")]
    if national:
        levels.append(("'NL00'", ""))
    parts = [
        f"""SELECT {region} AS regio, CASE WHEN grouping(nf) = 1 THEN '{TOTAL}'
        ELSE CAST(nf AS VARCHAR) END AS cat, hh, count(*) AS c FROM kind_h
        GROUP BY GROUPING SETS (({by}nf, hh), ({by}hh))"""
        for region, by in levels
    ]
    query = " UNION ALL ".join(parts)
    rows = con.execute(
        f"SELECT regio, cat, sum(c), count(*), max(c, 2) FROM ({query}) GROUP BY regio, cat"
    ).fetchall()
    labels = dict(zip(("0", "1", "2", "3"), FACTOR_COUNT_CATEGORIES, strict=True))
    return {
        (str(region), labels.get(str(cat), str(cat))): _cell(c, h, top)
        for region, cat, c, h, top in rows
    }
