"""Pseudonymised extracts for stapeling: the units of a delivery, keyed, one row per period.

A partner runs ``buurtbeeld bron pseudonimiseer SPEC --sleutel PAD``. The records are read,
normalised, deduplicated and classified exactly as for a package (:mod:`buurtbeeld.source.units`:
same spec, same bad-row counts), so the extract holds the units the package counts: one row per
person (or, for a household-only delivery, per household) per period, with

``periode`` · ``persoon`` (pseudonym) · ``huishouden`` (pseudonym of the household of the
latest record) · ``buurt`` (of the latest record) · ``maand`` (``yyyymm`` of that record).

Pseudonyms are :meth:`LinkKey.pseudonyms` of the normalised identifier: a BSN as nine digits
(``053314773``; leading zeros restored, elfproef passed — failures are bad rows, counted per
reason, never hashed), an integer key as its decimal digits, a text key trimmed. No other
attribute travels: no age, category, amount or date finer than the month. The rows are sorted
by pseudonym, so their order says nothing about the source file.

The file is written under a temporary name in the target folder (``.<naam>.tmp-<random>``,
mode 0600) and renamed when complete; leftovers of a crashed run are removed by the next run.
The Parquet key-value metadata ``buurtbeeld`` describes the extract (:class:`ExtractMeta`).
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from ibis.backends import BaseBackend
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from buurtbeeld import __version__
from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.source.engines import EngineName, connect
from buurtbeeld.source.link_key import LinkKey, LinkKeyError, create_key_file
from buurtbeeld.source.normalise import needed_keys
from buurtbeeld.source.spec import DeliverySpec
from buurtbeeld.source.units import (
    BUURT_NR,
    ActiveRecords,
    Progress,
    RowCounts,
    active_records,
    latest_buurt,
    say,
    workdir,
)

FORMAT: Literal["buurtbeeld-pseudoniemen"] = "buurtbeeld-pseudoniemen"
VERSION: Literal[1] = 1
META_KEY = b"buurtbeeld"
SCHEMA = pa.schema(
    [
        pa.field("periode", pa.string(), nullable=False),
        pa.field("persoon", pa.int64()),
        pa.field("huishouden", pa.int64()),
        pa.field("buurt", pa.string(), nullable=False),
        pa.field("maand", pa.int32(), nullable=False),
    ]
)
STEPS = 5  # progress steps of :func:`pseudonymise`
_LATEST = 13  # digits of ``yyyymmdd * BUURT_NR + nr``


class ExtractError(BuurtbeeldError, ValueError):
    """The target of a pseudonymised extract is not usable (``BB-PSE-006``)."""

    code = "BB-PSE-006"
    http_status = 422
    default_hint = "Kies met --uit een bestand (.parquet) in een bestaande map."


class ExtractFileError(BuurtbeeldError, ValueError):
    """A file is not a pseudonymised extract of this format (``BB-PSE-007``)."""

    code = "BB-PSE-007"
    http_status = 422
    default_hint = (
        "Vraag de partner het bestand opnieuw te maken met 'buurtbeeld bron pseudonimiseer' "
        "en het ongewijzigd te sturen."
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RowSummary(_Strict):
    """What happened to the partner's rows (counts only)."""

    gelezen: int = Field(ge=0)
    geldig: int = Field(ge=0)
    buiten_de_periode: int = Field(ge=0)
    ongeldig_per_reden: dict[str, int]


class ExtractMeta(_Strict):
    """The ``buurtbeeld`` metadata of a pseudonymised extract (contract of issue 11, §2)."""

    formaat: Literal["buurtbeeld-pseudoniemen"]
    versie: Literal[1]
    dataset: str = Field(min_length=1)
    bron: str = Field(min_length=1)
    eenheid: Literal["personen", "huishoudens"]
    gemeenten: list[str] = Field(min_length=1)
    indelingsjaar: int
    perioden: list[str] = Field(min_length=1)
    periodesoort: Literal["gedurende", "peildatum"]
    sleutelcontrole: str = Field(pattern=r"^[0-9a-f]{32}$")
    project: str = Field(min_length=1)
    regels: RowSummary
    spec_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    software: str


@dataclass
class Extract:
    """A written extract: where, what it says about itself, and what the run removed."""

    path: Path
    meta: ExtractMeta
    counts: RowCounts
    units_per_period: dict[str, int]
    leftovers_removed: list[str]
    engine: str


def read_extract_meta(path: Path) -> ExtractMeta:
    """The metadata of a pseudonymised extract, after checking its columns.

    Raises
    ------
    ExtractFileError
        ``BB-PSE-007`` not a Parquet file, no (valid) ``buurtbeeld`` metadata, another format
        version, or columns that differ from the contract.
    """
    path = Path(path)
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException):
        raise ExtractFileError(f"'{path.name}' is geen leesbaar Parquet-bestand.") from None
    raw = (schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise ExtractFileError(f"'{path.name}' is geen gepseudonimiseerd bestand van Buurtbeeld.")
    try:
        data = json.loads(raw)
    except ValueError:
        raise ExtractFileError(f"'{path.name}': de beschrijving is geen geldige JSON.") from None
    if isinstance(data, dict) and data.get("formaat") == FORMAT and data.get("versie") != VERSION:
        raise ExtractFileError(
            f"'{path.name}' heeft formaatversie {data.get('versie')!s:.10}; deze versie van "
            f"Buurtbeeld leest versie {VERSION}.",
            hint="Gebruik bij alle partners en de koppelpartij dezelfde versie van Buurtbeeld.",
        )
    try:
        meta = ExtractMeta.model_validate(data)
    except ValidationError as err:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in err.errors()})
        raise ExtractFileError(
            f"'{path.name}': de beschrijving klopt niet (velden: {', '.join(fields)[:200]})."
        ) from None
    found = [(f.name, f.type) for f in schema]
    if found != [(f.name, f.type) for f in SCHEMA]:
        raise ExtractFileError(
            f"'{path.name}' heeft andere kolommen dan een gepseudonimiseerd bestand "
            f"({', '.join(SCHEMA.names)})."
        )
    return meta


# -- the units of each period -------------------------------------------------------------------


def _unit(spec: DeliverySpec) -> Literal["persoon", "huishouden"]:
    """Persons when a table counts persons; otherwise households."""
    return "persoon" if "persoon" in needed_keys(spec) else "huishouden"


def _units(records: ActiveRecords, unit: str, household: bool) -> ir.Table:
    """One row per unit and period: buurt number and month of its latest record, and (for a
    person) the household of that record (ties: the largest buurt number, then household)."""
    act = records.active
    key = act.begin * BUURT_NR + act.buurt
    aggregates: dict[str, ir.Value] = {
        "buurt": latest_buurt(act),
        "maand": (act.begin.max() // 100).cast("int32"),
    }
    if household:
        text = act.huishouden.cast("string").fill_null("")
        latest_hh = (key.cast("string") + text).max().substr(_LATEST).nullif("")
        typed = act.huishouden.type().is_integer()
        aggregates["hh"] = latest_hh.cast("int64") if typed else latest_hh
    return act.group_by(["periode", unit]).aggregate(**aggregates)


def identifier_text(values: pa.Array | pa.ChunkedArray, kind: str) -> pa.Array:
    """Normalised identifiers as text: a BSN as nine digits (leading zeros restored), any other
    integer key as its decimal digits, a text key as it is (trimmed by the normaliser)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    text = pc.cast(values, pa.string())
    return pc.utf8_lpad(text, 9, "0") if kind == "bsn" else text


def _pseudonyms(key: LinkKey, values: pa.ChunkedArray, kind: str) -> pa.Array:
    """Pseudonyms of a column of normalised identifiers; integers (BSNs, numeric keys) are
    deduplicated first (a person is in several periods, a household has several persons)."""
    values = values.combine_chunks()
    if not pa.types.is_integer(values.type):
        return key.pseudonyms(identifier_text(values, kind))
    present = values.drop_null().to_numpy()
    distinct, inverse = np.unique(present, return_inverse=True)
    hashed = key.pseudonyms(identifier_text(pa.array(distinct), kind)).to_numpy()[inverse]
    if not values.null_count:
        return pa.array(hashed, pa.int64())
    missing = values.is_null().to_numpy(zero_copy_only=False)
    full = np.zeros(len(values), np.int64)
    full[~missing] = hashed
    return pa.array(full, pa.int64(), mask=missing)


def _pseudonymised(
    raw: pa.Table, spec: DeliverySpec, key: LinkKey, unit: str, codes: list[str]
) -> pa.Table:
    """The raw units with pseudonyms for identifiers and codes for buurt numbers, sorted."""
    source = {unit: unit}
    if "hh" in raw.column_names:
        source["huishouden"] = "hh"  # the household of the person's latest record
    columns: dict[str, pa.Array] = {"periode": raw["periode"].combine_chunks().cast(pa.string())}
    for name in ("persoon", "huishouden"):
        if name in source:
            columns[name] = _pseudonyms(key, raw[source[name]], spec.sleutels.kind(name))
        else:
            columns[name] = pa.nulls(raw.num_rows, pa.int64())
    nrs = raw["buurt"].combine_chunks().cast(pa.int64())
    columns["buurt"] = pc.take(pa.array(codes, pa.string()), nrs)
    columns["maand"] = raw["maand"].combine_chunks().cast(pa.int32())
    table = pa.table(columns, schema=SCHEMA)
    return table.sort_by([("periode", "ascending"), (unit, "ascending")])


# -- writing ----------------------------------------------------------------------------------


def leftovers(target: Path) -> list[Path]:
    """Temporary files of earlier runs for ``target`` (``.<naam>.tmp-*`` beside it)."""
    pattern = f".{glob.escape(target.name)}.tmp-*"
    return sorted(target.parent.glob(pattern))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _check_target(spec: DeliverySpec, target: Path) -> None:
    if not target.parent.is_dir():
        raise ExtractError(f"De map voor '{target.name}' bestaat niet.")
    if target.is_dir():
        raise ExtractError(f"'{target.name}' is een map.")
    inputs = [item.pad for item in spec.bestanden]
    if spec.regio.koppeltabel is not None:
        inputs.append(spec.regio.koppeltabel.pad)
    if target.resolve() in {p.resolve() for p in inputs}:
        raise ExtractError(f"'{target.name}' is een invoerbestand van de specificatie.")


def _meta(
    spec: DeliverySpec, key: LinkKey, unit: str, labels: list[str], counts: RowCounts
) -> ExtractMeta:
    return ExtractMeta(
        formaat=FORMAT,
        versie=VERSION,
        dataset=spec.dataset,
        bron=spec.bron,
        eenheid="personen" if unit == "persoon" else "huishoudens",
        gemeenten=spec.gemeenten,
        indelingsjaar=spec.indelingsjaar,
        perioden=labels,
        periodesoort=spec.periode.soort,
        sleutelcontrole=key.check_value,
        project=key.project,
        regels=RowSummary(
            gelezen=counts.rows_read,
            geldig=counts.valid_rows,
            buiten_de_periode=counts.outside_period,
            ongeldig_per_reden=dict(sorted(counts.bad_rows.items())),
        ),
        spec_sha256=spec.sha256(),
        software=f"buurtbeeld {__version__}",
    )


def _write(table: pa.Table, meta: ExtractMeta, path: Path, progress: Progress | None) -> None:
    """Write to ``path`` (a new file, mode 0600); a crash from here on leaves it for the next
    run to remove."""
    table = table.replace_schema_metadata({META_KEY: meta.model_dump_json().encode("utf-8")})
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        say(progress, "Schrijven")
        pq.write_table(table, out, compression="zstd")
        out.flush()
        os.fsync(out.fileno())


def pseudonymise(
    spec: DeliverySpec,
    key: LinkKey,
    target: Path,
    *,
    engine: EngineName | None = None,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
) -> Extract:
    """Write the pseudonymised extract of a delivery to ``target`` (replacing it when complete).

    Raises
    ------
    ExtractError
        ``BB-PSE-006`` the target folder does not exist, the target is a folder or an input.
    SpecError
        ``BB-SPEC-002``/``-003`` as for aggregation.
    """
    engine = engine or spec.engine
    target = Path(target)
    _check_target(spec, target)
    removed = []
    for old in leftovers(target):
        _remove(old)
        removed.append(old.name)
    unit = _unit(spec)
    household = unit == "persoon" and spec.sleutels.huishouden is not None
    backend = con or connect(engine)
    temporary = target.parent / f".{target.name}.tmp-{secrets.token_hex(8)}"
    try:
        with (
            workdir(None) as folder,
            active_records(
                spec,
                backend,
                folder,
                progress=progress,
                carry=frozenset({"huishouden"} if household else ()),
            ) as records,
        ):
            say(progress, "Eenheden per periode bepalen")
            raw = backend.to_pyarrow(_units(records, unit, household))
            counts, labels = records.counts, [p.label for p in records.periods]
            codes = records.buurt_codes
        say(progress, "Pseudoniemen berekenen")
        table = _pseudonymised(raw, spec, key, unit, codes)
        del raw
        meta = _meta(spec, key, unit, labels, counts)
        _write(table, meta, temporary, progress)
        os.replace(temporary, target)
    finally:
        _remove(temporary)
    per_period = dict.fromkeys(labels, 0)
    for row in table.group_by("periode").aggregate([("periode", "count")]).to_pylist():
        per_period[row["periode"]] = int(row["periode_count"])
    return Extract(target, meta, counts, per_period, removed, engine)


def default_target(spec: DeliverySpec, folder: Path) -> Path:
    """``<dataset>-pseudoniemen.parquet`` in ``folder``."""
    return folder / f"{spec.dataset}-pseudoniemen.parquet"


__all__ = [
    "SCHEMA",
    "Extract",
    "ExtractError",
    "ExtractFileError",
    "ExtractMeta",
    "LinkKey",
    "LinkKeyError",
    "RowSummary",
    "create_key_file",
    "default_target",
    "identifier_text",
    "pseudonymise",
    "read_extract_meta",
]
