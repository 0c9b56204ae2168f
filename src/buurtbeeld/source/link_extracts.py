"""Reading and checking the pseudonymised extracts before they are linked.

An extract (contract: docs/source-toolkit.md, "Stapeling") is one Parquet file, one row per unit
per period — ``periode``, ``persoon``, ``huishouden``, ``buurt``, ``maand`` — with its facts in
the key-value metadata ``buurtbeeld``. Every check here reads only that metadata and the Parquet
footer: no pseudonym is read, and no error names one.

``read_extract_meta`` is the linking side's reader of the metadata; when
``buurtbeeld.source.pseudonym.read_extract_meta`` (the writer's own reader) is on main, this
function can delegate to it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, ValidationError

from buurtbeeld.source.link_spec import (
    ExtractError,
    ExtractSpec,
    KeyMismatchError,
    LinkSpec,
    MismatchError,
)
from buurtbeeld.source.periods import Period, period_of

FORMAT = "buurtbeeld-pseudoniemen"
META_KEY = b"buurtbeeld"
COLUMNS = {
    "periode": pa.string(),
    "persoon": pa.int64(),
    "huishouden": pa.int64(),
    "buurt": pa.string(),
    "maand": pa.int32(),
}


class AreaError(MismatchError):
    """An extract does not cover the gemeenten of the koppelspec (``BB-KOP-005``)."""

    code = "BB-KOP-005"
    default_hint = (
        "Vraag de partner een extract voor (minstens) de gemeenten van de koppelspecificatie, "
        "of beperk 'gemeente' in de koppelspecificatie."
    )


class RowCounts(BaseModel):
    """The partner's row counts (no content)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    gelezen: int
    geldig: int
    buiten_de_periode: int
    ongeldig_per_reden: dict[str, int]


class ExtractMeta(BaseModel):
    """The ``buurtbeeld`` metadata of a pseudonymised extract (contract version 1)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    formaat: Literal["buurtbeeld-pseudoniemen"]
    versie: Literal[1]
    dataset: str
    bron: str
    eenheid: Literal["personen", "huishoudens"]
    gemeenten: list[str]
    indelingsjaar: int
    perioden: list[str]
    periodesoort: Literal["gedurende", "peildatum"]
    """How the partner placed units in periods: active during the period, or on a reference day."""
    sleutelcontrole: str
    project: str
    regels: RowCounts
    spec_sha256: str
    software: str


def _not_extract(path: Path, why: str) -> ExtractError:
    return ExtractError(f"'{path.name}' is geen gepseudonimiseerd extract: {why}.")


def read_extract_meta(path: Path) -> ExtractMeta:
    """The metadata of a pseudonymised extract.

    Raises
    ------
    ExtractError
        ``BB-KOP-002``: missing, unreadable or truncated Parquet, no or invalid metadata.
    """
    path = Path(path)
    if not path.is_file():
        raise ExtractError(
            f"Extract '{path.name}' bestaat niet.",
            hint="Controleer 'pad' in de koppelspecificatie (relatief aan de specificatie).",
        )
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as err:
        raise ExtractError(
            f"'{path.name}' is niet te lezen als Parquet-bestand (afgebroken of beschadigd?)."
        ) from err
    raw = (schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise _not_extract(path, "de beschrijving 'buurtbeeld' ontbreekt")
    try:
        data = json.loads(raw)
    except ValueError as err:
        raise _not_extract(path, "de beschrijving is geen geldige JSON") from err
    if not isinstance(data, dict) or data.get("formaat") != FORMAT:
        raise _not_extract(path, f"het formaat is niet '{FORMAT}'")
    try:
        meta = ExtractMeta.model_validate(data)
    except ValidationError as err:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in err.errors()})
        raise _not_extract(
            path, f"de beschrijving klopt niet (velden: {', '.join(fields)})"
        ) from err
    for name, kind in COLUMNS.items():
        if schema.get_field_index(name) < 0:
            raise _not_extract(path, f"de kolom '{name}' ontbreekt")
        if not schema.field(name).type.equals(kind):
            raise _not_extract(path, f"de kolom '{name}' heeft niet het type {kind}")
    extra = [n for n in schema.names if n not in COLUMNS]
    if extra:
        raise _not_extract(
            path, f"er reizen kolommen mee die er niet in horen ({', '.join(sorted(extra))})"
        )
    return meta


@dataclass(frozen=True)
class Extract:
    """One checked extract: its place in the koppelspec, its metadata and its row count."""

    spec: ExtractSpec
    meta: ExtractMeta
    rows: int

    @property
    def name(self) -> str:
        """The provision name."""
        return self.spec.naam

    @property
    def has_persons(self) -> bool:
        """Whether the extract carries person pseudonyms (else households only)."""
        return self.meta.eenheid == "personen"


_KINDS = (
    (re.compile(r"\d{4}"), "jaar"),
    (re.compile(r"\d{4}-K[1-4]"), "kwartaal"),
    (re.compile(r"\d{4}-(0[1-9]|1[0-2])"), "maand"),
)


def _period(label: str, name: str) -> Period:
    """The period of a label (``2024``, ``2024-K1``, ``2024-03``); its kind follows from it."""
    for pattern, kind in _KINDS:
        if pattern.fullmatch(label):
            year = int(label[:4])
            month = (
                1
                if kind == "jaar"
                else 3 * int(label[-1]) - 2
                if kind == "kwartaal"
                else int(label[5:])
            )
            return period_of(date(year, month, 1), kind)  # type: ignore[arg-type]
    raise ExtractError(f"Extract '{name}' noemt een onbekende periode ('{label[:20]}').")


def _covers(area: list[str], wanted: list[str]) -> bool:
    return area == ["NL00"] or set(wanted) <= set(area)


def read_extracts(spec: LinkSpec) -> tuple[list[Extract], list[Period]]:
    """Read every extract's metadata and check that they can be linked.

    Raises
    ------
    ExtractError
        ``BB-KOP-002``: a file is not a readable pseudonymised extract.
    KeyMismatchError
        ``BB-KOP-003``: the extracts were made with different key files.
    MismatchError
        ``BB-KOP-004``: periods or division year differ.
    AreaError
        ``BB-KOP-005``: an extract does not cover the koppelspec's gemeenten.
    """
    extracts: list[Extract] = []
    for item in spec.extracten:
        meta = read_extract_meta(item.pad)
        try:
            rows = pq.ParquetFile(item.pad).metadata.num_rows
        except (OSError, pa.ArrowException) as err:  # pragma: no cover - schema read first
            raise ExtractError(f"'{item.pad.name}' is niet te lezen als Parquet-bestand.") from err
        extracts.append(Extract(item, meta, rows))
    checks = {e.meta.sleutelcontrole for e in extracts}
    if len(checks) > 1:
        groups: dict[str, list[str]] = {}
        for e in extracts:
            groups.setdefault(e.meta.sleutelcontrole, []).append(f"'{e.name}'")
        parts = " tegenover ".join(", ".join(g) for g in groups.values())
        raise KeyMismatchError(
            "De extracten zijn met verschillende koppelsleutels gemaakt en zijn niet te koppelen "
            f"({parts})."
        )
    first = extracts[0]
    for e in extracts[1:]:
        # periodesoort (gedurende / peildatum) may differ: a stock register (bijstand on a
        # reference day) links with flow registers; the period labels must be the same
        if e.meta.perioden != first.meta.perioden:
            raise MismatchError(
                f"Extract '{e.name}' heeft de perioden {', '.join(e.meta.perioden)}, "
                f"'{first.name}' heeft {', '.join(first.meta.perioden)}."
            )
    for e in extracts:
        if e.meta.indelingsjaar != spec.indelingsjaar:
            raise MismatchError(
                f"Extract '{e.name}' gebruikt de buurtindeling {e.meta.indelingsjaar}, de "
                f"koppelspecificatie {spec.indelingsjaar}."
            )
        if not _covers(e.meta.gemeenten, spec.gemeenten):
            missing = sorted(set(spec.gemeenten) - set(e.meta.gemeenten))
            raise AreaError(
                f"Extract '{e.name}' dekt gemeente {', '.join(missing) or 'NL00'} van de "
                "koppelspecificatie niet."
            )
    if not first.meta.perioden:
        raise ExtractError(f"Extract '{first.name}' noemt geen periode.")
    periods = [_period(label, first.name) for label in first.meta.perioden]
    return extracts, periods


__all__ = [
    "AreaError",
    "Extract",
    "ExtractMeta",
    "read_extract_meta",
    "read_extracts",
]
