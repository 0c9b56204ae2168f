"""Aggregate record-level rows to distinct units per buurt (× category) with DuckDB.

Bad rows are counted per reason and never printed. A unit (person or household) is counted
once per buurt and category; it is assigned to the buurt of its most recent record.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from buurtbeeld.source.spec import DeliverySpec, SpecError


@dataclass
class Aggregation:
    """Distinct units per (buurt, category) and per buurt, plus bad-row counts by reason."""

    by_category: dict[tuple[str, str], int]
    total: dict[str, int]
    categories: list[str]
    rows_read: int
    bad_rows: Counter[str] = field(default_factory=Counter)


def _read(spec: DeliverySpec) -> pa.Table:
    tables = []
    for item in spec.bestanden:
        try:
            tables.append(
                pacsv.read_csv(
                    item.pad,
                    read_options=pacsv.ReadOptions(encoding=item.tekenset),
                    parse_options=pacsv.ParseOptions(delimiter=item.scheidingsteken),
                    convert_options=pacsv.ConvertOptions(
                        strings_can_be_null=True, null_values=[""]
                    ),
                )
            )
        except (pa.ArrowInvalid, OSError, LookupError) as err:
            raise SpecError(
                f"Invoerbestand '{item.pad.name}' is niet te lezen ({type(err).__name__}).",
                code="BB-SPEC-002",
                hint="Controleer scheidingsteken en tekenset in de specificatie.",
            ) from err
    return pa.concat_tables(
        [t.cast(pa.schema([(n, pa.string()) for n in t.column_names])) for t in tables]
    )


def aggregate(spec: DeliverySpec) -> Aggregation:
    """Count distinct units per buurt and category for the spec's year."""
    records = _read(spec)
    needed = [spec.sleutel, spec.periode.kolom] + [
        c for c in (spec.categorie, spec.regio.postcode, spec.regio.buurtcode) if c
    ]
    missing = [c for c in needed if c not in records.column_names]
    if missing:
        raise SpecError(
            f"Kolommen ontbreken in de invoer: {', '.join(missing)}.",
            code="BB-SPEC-003",
            hint="Pas de kolomnamen in de specificatie aan aan het exportbestand.",
        )
    con = duckdb.connect()
    con.register("records", records)
    if spec.regio.postcode:
        lookup = pacsv.read_csv(
            spec.regio.koppeltabel,
            parse_options=pacsv.ParseOptions(delimiter=";"),
            convert_options=pacsv.ConvertOptions(
                column_types={"postcode": pa.string(), "buurtcode": pa.string()}
            ),
        )
        con.register("lookup", lookup)
        region = f"""(SELECT buurtcode FROM lookup l
                      WHERE upper(replace(l.postcode, ' ', '')) = upper(replace(r."{spec.regio.postcode}", ' ', '')))"""
        region_present = f"""nullif(trim(r."{spec.regio.postcode}"), '') IS NOT NULL"""
    else:
        region = f'upper(trim(r."{spec.regio.buurtcode}"))'
        region_present = f"""nullif(trim(r."{spec.regio.buurtcode}"), '') IS NOT NULL"""
    category = f'trim(r."{spec.categorie}")' if spec.categorie else "'totaal'"
    con.execute(f"""
        CREATE TABLE classified AS
        SELECT r."{spec.sleutel}" AS unit, {region} AS buurt, {category} AS categorie,
               try_strptime(r."{spec.periode.kolom}", '{spec.periode.formaat}') AS moment,
               {region_present} AS has_region
        FROM records r""")
    bad: Counter[str] = Counter()
    for reason, n in con.execute(f"""
        SELECT CASE WHEN unit IS NULL OR trim(unit) = '' THEN 'sleutel ontbreekt'
                    WHEN NOT has_region THEN 'postcode of buurtcode ontbreekt'
                    WHEN buurt IS NULL OR NOT starts_with(buurt, 'BU{spec.gemeente[2:]}') THEN 'onbekende regio'
                    WHEN moment IS NULL THEN 'onmogelijke datum'
                    WHEN year(moment) <> {spec.periode.jaar} THEN 'buiten de periode'
               END AS reason, count(*) FROM classified GROUP BY 1""").fetchall():
        if reason is not None:
            bad[reason] += int(n)
    duplicates = con.execute(
        "SELECT (SELECT count(*) FROM records) - (SELECT count(*) FROM (SELECT DISTINCT * FROM records))"
    ).fetchone()
    if duplicates and duplicates[0]:
        bad["dubbele regel (eenmaal geteld)"] += int(duplicates[0])
    con.execute(f"""
        CREATE TABLE good AS SELECT * FROM classified
        WHERE unit IS NOT NULL AND trim(unit) <> '' AND has_region AND buurt IS NOT NULL
          AND starts_with(buurt, 'BU{spec.gemeente[2:]}') AND moment IS NOT NULL AND year(moment) = {spec.periode.jaar}""")
    # each unit belongs to the buurt of its latest record
    con.execute(
        "CREATE TABLE home AS SELECT unit, arg_max(buurt, moment) AS buurt FROM good GROUP BY unit"
    )
    by_category = {
        (b, c): int(n)
        for b, c, n in con.execute(
            "SELECT h.buurt, g.categorie, count(DISTINCT g.unit) FROM good g JOIN home h USING (unit) GROUP BY ALL"
        ).fetchall()
    }
    total = {
        b: int(n)
        for b, n in con.execute("SELECT buurt, count(*) FROM home GROUP BY buurt").fetchall()
    }
    categories = sorted({c for _, c in by_category})
    return Aggregation(by_category, total, categories, records.num_rows, bad)
