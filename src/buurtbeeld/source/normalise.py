"""Normalise and classify record-level rows (steps 1 and 3 of :mod:`buurtbeeld.source.aggregate`).

Every step is an Ibis expression, so DuckDB and Spark run the same plan: keys trimmed (BSNs
normalised and checked, :mod:`buurtbeeld.source.identifiers`), postcodes as ``1234AB``,
buurtcodes as ``BU…``, dates as integers ``yyyymmdd`` (declared format, ISO as fallback,
impossible dates flagged), amounts as integer cents, categories recoded; then each row is valid
or gets the *first* reason it is bad. Bad rows are counted per reason and never printed.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from buurtbeeld.source.identifiers import REASONS, bsn_expr
from buurtbeeld.source.periods import DateFormat, compile_format
from buurtbeeld.source.readers import StagedFile
from buurtbeeld.source.spec import DeliverySpec

KEYS = ("persoon", "huishouden")
ISO_DATE = r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$"


# -- normalisation --------------------------------------------------------------------------


def _text(col: ir.Value) -> ir.StringValue:
    if col.type().is_integer():
        return col.cast("string")  # typed numbers have no spaces to trim: skip the regex
    # not Ibis' strip(): on PySpark it trims the letters 'v' and 'f' (escaping of \v\f)
    return col.cast("string").re_replace(r"^\s+|\s+$", "").nullif("")


def _date_parts(col: ir.Value, fmt: DateFormat, *, end: bool, name: str) -> dict[str, ir.Value]:
    """Year, month, day, present and coarse-day columns of a date (first of two steps).

    Two steps keep the SQL small: inlined into one expression, the parts are repeated so often
    that Spark's code generator gives up.
    """
    typ = col.type()
    if typ.is_date() or typ.is_timestamp():
        # a typed date is a real calendar day: only the year range is left to check
        year = col.year().cast("int64")
        value = year * 10000 + col.month().cast("int64") * 100 + col.day().cast("int64")
        in_range = year.between(1900, 2100).fill_null(False)
        return {
            f"{name}_v": ibis.ifelse(in_range, value, ibis.null("int64")),
            f"{name}_x": col.notnull() & ~in_range,
        }
    s = _text(col)
    matched = s.re_search(fmt.regex).fill_null(False)
    iso_group = {"Y": 1, "m": 2, "d": 3}

    def part(key: str, default: int) -> ir.IntegerValue:
        if key in fmt.groups:
            declared = s.re_extract(fmt.regex, fmt.groups[key]).nullif("").try_cast("int64")
        else:
            declared = ibis.literal(default, "int64")
        iso = s.re_extract(ISO_DATE, iso_group[key]).nullif("").try_cast("int64")
        return ibis.ifelse(matched, declared, iso)

    return {
        f"{name}_y": part("Y", 0),
        f"{name}_m": part("m", 12 if end else 1),
        f"{name}_d": part("d", 31 if end else 1),
        f"{name}_p": s.notnull(),
        f"{name}_c": matched if "d" not in fmt.groups else ibis.literal(False),
    }


def _date_finish(t: ir.Table, name: str) -> tuple[ir.IntegerValue, ir.BooleanValue]:
    """(``yyyymmdd`` or null, present-but-impossible flag) from :func:`_date_parts` columns."""
    if f"{name}_v" in t.columns:  # a typed date, finished in the first step
        return t[f"{name}_v"], t[f"{name}_x"]
    y, m, d = t[f"{name}_y"], t[f"{name}_m"], t[f"{name}_d"]
    leap = ibis.ifelse(((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0), 1, 0)
    days = ibis.cases((m.isin([4, 6, 9, 11]), 30), (m == 2, 28 + leap), else_=31)
    valid = (
        y.between(1900, 2100) & m.between(1, 12) & (d >= 1) & ((d <= days) | t[f"{name}_c"])
    ).fill_null(False)
    value = ibis.ifelse(valid, y * 10000 + m * 100 + d, ibis.null("int64"))
    return value, (t[f"{name}_p"] & ~valid)


def _cents(col: ir.Value, decimal: str) -> tuple[ir.IntegerValue, ir.BooleanValue]:
    """(amount in integer cents or null, present-but-unreadable flag)."""
    if col.type().is_numeric():
        amount = col.cast("decimal(18, 2)")
        present = col.notnull()
    else:
        s = _text(col).re_replace(r"[\s€]", "").nullif("")
        s = s.replace(".", "").replace(",", ".") if decimal == "," else s.replace(",", "")
        amount = s.try_cast("decimal(18, 2)")
        present = s.notnull()
    cents = (amount * 100).cast("int64")
    return cents, (present & amount.isnull())


def amount_columns(spec: DeliverySpec) -> list[str]:
    return sorted({t.kolom for t in spec.tabellen if t.maat == "som" and t.kolom})


def holding_key(spec: DeliverySpec) -> str:
    return "huishouden" if spec.sleutels.huishouden else "persoon"


def needed_keys(spec: DeliverySpec) -> set[str]:
    keys = set()
    for table in spec.tabellen:
        keys.add("persoon" if spec.table_unit(table) == "personen" else "huishouden")
        if table.maat == "som":
            keys.add(holding_key(spec))
    return keys


def source_columns(spec: DeliverySpec) -> list[str]:
    cols = [c for c in (spec.sleutels.column("persoon"), spec.sleutels.column("huishouden")) if c]
    region = spec.regio
    cols += [c for c in (region.buurtcode, region.postcode, region.huisnummer) if c]
    cols += [c for c in (spec.periode.begin, spec.periode.einde) if c]
    cols += [d.kolom for d in spec.used_dimensions()]
    cols += amount_columns(spec)
    return list(dict.fromkeys(cols))


def key_types(spec: DeliverySpec, staged: list[StagedFile]) -> dict[str, str]:
    """``int64`` for a BSN (normalised to its number) and for a key column that is an integer
    in every file (grouping on integers is cheaper than on text), else ``string``."""
    out = {}
    for key in KEYS:
        column = spec.sleutels.column(key)
        typed = spec.sleutels.kind(key) == "bsn" or (
            column is not None
            and all(pa.types.is_integer(s.schema.field(column).type) for s in staged)
        )
        out[key] = "int64" if typed else "string"
    return out


def _keys(
    t: ir.Table, spec: DeliverySpec, types: dict[str, str], carry: frozenset[str]
) -> dict[str, ir.Value]:
    """The needed (and carried) key columns; a needed BSN with ``<key>_fout``, the reason it is
    not a valid one (a carried BSN that is not valid is simply empty)."""
    out: dict[str, ir.Value] = {}
    needed = needed_keys(spec)
    for key in sorted(needed | carry, reverse=True):
        column = spec.sleutels.column(key)
        if column is None:
            out[key] = ibis.null(types[key])
        elif spec.sleutels.kind(key) == "bsn":
            number, reason = bsn_expr(t[column])
            out[key] = number
            if key in needed:
                out[f"{key}_fout"] = reason
        else:
            out[key] = t[column].cast("int64") if types[key] == "int64" else _text(t[column])
    return out


def normalise(
    t: ir.Table,
    spec: DeliverySpec,
    key_types: dict[str, str],
    *,
    carry: frozenset[str] = frozenset(),
) -> ir.Table:
    """The used fields of ``t``, normalised; ``carry``: keys no table needs, kept as well."""
    region, period = spec.regio, spec.periode
    fmt = period.date_format
    # Only fields that are used, and no constant columns: every column makes the
    # deduplication (a DISTINCT over all of them) more expensive.
    out = _keys(t, spec, key_types, carry)
    if region.buurtcode:
        # the "BU" prefix for bare digits is added in the second step (one regex pass)
        out["regio"] = _text(t[region.buurtcode]).upper().re_replace(r"\s", "")
    else:
        assert region.postcode is not None
        out["regio"] = _text(t[region.postcode]).upper().re_replace(r"\s", "").nullif("")
        if region.huisnummer:
            out["huisnummer"] = (
                _text(t[region.huisnummer]).re_extract(r"^(\d+)", 1).nullif("").try_cast("int64")
            )
    dates: dict[str, ir.Value] = {}
    if period.begin:
        dates.update(_date_parts(t[period.begin], fmt, end=False, name="begin"))
    if period.einde:
        dates.update(_date_parts(t[period.einde], fmt, end=True, name="einde"))
    for dim in spec.used_dimensions():
        col = t[dim.kolom]
        if dim.soort == "leeftijd":
            dates.update(
                _date_parts(col, compile_format(dim.formaat), end=False, name=f"g_{dim.naam}")
            )
        elif dim.soort == "getal":
            number = (
                col.cast("decimal(18, 4)")
                if col.type().is_numeric()
                else _text(col).replace(",", ".").try_cast("decimal(18, 4)")
            )
            out[f"d_{dim.naam}"] = number
            out[f"f_{dim.naam}"] = _text(col).notnull() & number.isnull()
        else:
            raw = _text(col)
            if dim.waarden:
                mapped = raw.substitute(dim.waarden, else_=ibis.literal(dim.overig, "string"))
                out[f"d_{dim.naam}"] = mapped
                out[f"f_{dim.naam}"] = raw.notnull() & mapped.isnull()
            else:
                out[f"d_{dim.naam}"] = raw
    for i, column in enumerate(amount_columns(spec)):
        out[f"bedrag_{i}"], out[f"bedrag_{i}_fout"] = _cents(t[column], spec.decimaalteken)
    first = t.select(**out, **dates)
    final: dict[str, ir.Value] = {name: first[name] for name in out}
    if region.buurtcode:
        code = first.regio
        final["regio"] = ibis.ifelse(code.re_search(r"^\d{8}$"), "BU" + code, code)
    if period.begin:
        final["begin"], final["begin_fout"] = _date_finish(first, "begin")
    else:
        # a snapshot (stand per peildatum): every record holds on the reference day
        day = period.reference_int(period.periods()[0])
        # an explicit cast: DuckDB reads a bare 20241231 as a 32-bit integer
        final["begin"], final["begin_fout"] = ibis.literal(day).cast("int64"), ibis.literal(False)
    if period.einde:
        final["einde"], final["einde_fout"] = _date_finish(first, "einde")
    for dim in spec.used_dimensions():
        if dim.soort == "leeftijd":
            final[f"d_{dim.naam}"], final[f"f_{dim.naam}"] = _date_finish(first, f"g_{dim.naam}")
    order = [
        "persoon",
        "huishouden",
        "regio",
        "huisnummer",
        "begin",
        "begin_fout",
        "einde",
        "einde_fout",
    ]
    return first.select(
        **{k: final[k] for k in order if k in final},
        **{k: v for k, v in final.items() if k not in order},
    )


def lookup_table(con: BaseBackend, staged: StagedFile, spec: DeliverySpec) -> ir.Table:
    lookup = spec.regio.koppeltabel
    assert lookup is not None
    t = con.read_parquet(staged.parquet)
    cols: dict[str, ir.Value] = {
        "k_postcode": _text(t[lookup.postcode]).upper().re_replace(r"\s", ""),
        "k_buurt": _text(t[lookup.buurtcode]).upper().re_replace(r"\s", ""),
    }
    keys = ["k_postcode"]
    if spec.regio.huisnummer and lookup.huisnummer:
        cols["k_huisnummer"] = (
            _text(t[lookup.huisnummer]).re_extract(r"^(\d+)", 1).nullif("").try_cast("int64")
        )
        keys.append("k_huisnummer")
    norm = t.select(**cols)
    norm = norm.mutate(
        k_buurt=ibis.ifelse(norm.k_buurt.re_search(r"^\d{8}$"), "BU" + norm.k_buurt, norm.k_buurt)
    )
    return norm.group_by(keys).aggregate(
        k_gevonden=norm.k_buurt.min(), k_aantal=norm.k_buurt.nunique()
    )


# -- classification -------------------------------------------------------------------------


def classify(
    rows: ir.Table, spec: DeliverySpec, lookup: ir.Table | None, area: ir.Table
) -> ir.Table:
    region = spec.regio
    if lookup is not None:
        preds = [rows.regio == lookup.k_postcode]
        if "k_huisnummer" in lookup.columns:
            preds.append(rows.huisnummer == lookup.k_huisnummer)
        rows = rows.left_join(lookup, preds).select(rows, lookup.k_gevonden, lookup.k_aantal)
        rows = rows.mutate(
            buurt=ibis.ifelse(rows.k_aantal == 1, rows.k_gevonden, ibis.null("string"))
        )
    else:
        rows = rows.mutate(buurt=rows.regio)
    rows = rows.left_join(area, rows.buurt == area.a_buurt).select(rows, area.a_nr)
    needed = needed_keys(spec)
    checks: list[tuple[ir.BooleanValue, str]] = []
    for key, label in (("persoon", "persoonsnummer"), ("huishouden", "huishoudnummer")):
        if key in needed and f"{key}_fout" in rows.columns:
            checks += [(rows[f"{key}_fout"] == why, f"{label} (BSN) {why}") for why in REASONS]
    if "persoon" in needed:
        checks.append((rows.persoon.isnull(), "persoonsnummer ontbreekt"))
    if "huishouden" in needed:
        checks.append((rows.huishouden.isnull(), "huishoudnummer ontbreekt"))
    if lookup is not None:
        checks += [
            (rows.regio.isnull(), "postcode ontbreekt"),
            (~rows.regio.re_search(r"^[1-9][0-9]{3}[A-Z]{2}$"), "ongeldige postcode"),
        ]
        if region.huisnummer:
            checks.append((rows.huisnummer.isnull(), "huisnummer ontbreekt"))
        checks += [
            (rows.k_aantal.isnull(), "postcode niet in de koppeltabel"),
            (rows.k_aantal > 1, "postcode in meerdere buurten"),
        ]
    else:
        checks.append((rows.regio.isnull(), "buurtcode ontbreekt"))
    checks += [
        (rows.a_nr.isnull(), "onbekende buurt (niet in gebied of indeling)"),
        (rows.begin_fout, "onmogelijke datum"),
        (rows.begin.isnull(), "datum ontbreekt"),
    ]
    if spec.periode.einde:
        checks += [
            (rows.einde_fout, "onmogelijke einddatum"),
            (rows.einde < rows.begin, "einddatum voor begindatum"),
        ]
    for dim in spec.used_dimensions():
        value = rows[f"d_{dim.naam}"]
        if f"f_{dim.naam}" in rows.columns:
            flag = rows[f"f_{dim.naam}"]
            if dim.soort == "leeftijd":
                checks.append((flag, f"onmogelijke geboortedatum ({dim.naam})"))
            elif dim.soort == "getal":
                checks.append((flag, f"geen getal ({dim.naam})"))
            else:
                checks.append((flag, f"onbekende waarde ({dim.naam})"))
        checks.append((value.isnull(), f"waarde ontbreekt ({dim.naam})"))
    for i, column in enumerate(amount_columns(spec)):
        checks += [
            (rows[f"bedrag_{i}_fout"], f"ongeldig bedrag ({column})"),
            (rows[f"bedrag_{i}"].isnull(), f"bedrag ontbreekt ({column})"),
            (rows[f"bedrag_{i}"] < 0, f"negatief bedrag ({column})"),
        ]
    reason = ibis.cases(
        *[(cond.fill_null(False), text) for cond, text in checks], else_=ibis.null("string")
    )
    # only what the counting needs travels on: the flags and raw codes have done their work
    kept = [c for c in ("persoon", "huishouden", "begin", "einde") if c in rows.columns]
    kept += [f"d_{d.naam}" for d in spec.used_dimensions()]
    kept += [f"bedrag_{i}" for i in range(len(amount_columns(spec)))]
    return rows.select(*kept, buurt=rows.a_nr, reden=reason)
