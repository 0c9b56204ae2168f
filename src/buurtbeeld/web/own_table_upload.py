"""A gemeente's own table through Beheer → Imports (issue 17 item 3, "later through the web").

The beheerder uploads the table (CSV/XLSX/Parquet) and either its definition file (YAML, as for
``buurtbeeld importeer-tabel --definitie``) or fills the definition in the form. Before a job is
created the definition is validated (``BB-TAB-001`` naming the fields, ``BB-TAB-030`` when there
is none); it is stored beside the upload as ``definitie.yaml`` with the options (``opties.json``:
strict mode, skip unknown regions) and an optional postcode table under the name the definition
gives it. The runner then does what the CLI does (:func:`run_own_table`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from buurtbeeld.errors import ImportFileError
from buurtbeeld.store.own_table_definition import OwnTableDefinition, definition_error

DEFINITION_FILE = "definitie.yaml"
OPTIONS_FILE = "opties.json"
MAX_DEFINITION_BYTES = 256 * 1024
FORM_ROWS = 5
"""Indicator rows in the form (a longer definition goes in a YAML file)."""


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _validated(data: Any, source: str) -> OwnTableDefinition:
    try:
        return OwnTableDefinition.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(definitie)'}: {e['msg']}"
            for e in err.errors()[:6]
        )
        raise definition_error(f"{source} klopt niet: {problems}.") from None


def definition_from_form(form: FormData) -> dict[str, Any] | None:
    """The definition the form's fields describe (``None`` when they are left empty)."""
    rows = []
    for n in range(1, FORM_ROWS + 1):
        column = _text(form, f"ind_kolom_{n}")
        if not column:
            continue
        row: dict[str, Any] = {
            "kolom": column,
            "titel": _text(form, f"ind_titel_{n}") or column,
            "eenheid": _text(form, f"ind_eenheid_{n}") or "aantal",
            "richting": _text(form, f"ind_richting_{n}") or "neutraal",
            "zichtbaarheid": _text(form, f"ind_zichtbaarheid_{n}") or "intern",
        }
        if _text(form, f"ind_telt_{n}"):
            row["telt"] = _text(form, f"ind_telt_{n}")
        if _text(form, f"ind_thema_{n}"):
            row["thema"] = _text(form, f"ind_thema_{n}")
        rows.append(row)
    if not _text(form, "def_tabel") and not rows:
        return None
    period = _text(form, "def_periode")
    data: dict[str, Any] = {
        "tabel": _text(form, "def_tabel"),
        "bron": _text(form, "def_bron"),
        "regio": {
            "kolom": _text(form, "def_regio_kolom"),
            "soort": _text(form, "def_regio_soort") or "code",
        },
        "periode": {"waarde": period} if re.fullmatch(r"\d{4}.*", period) else {"kolom": period},
        "aantallen": _text(form, "def_aantallen") or "onbeveiligd",
        "indicatoren": rows,
    }
    if _text(form, "def_licentie"):
        data["licentie"] = _text(form, "def_licentie")
    if _text(form, "def_regio_niveau"):
        data["regio"]["niveau"] = _text(form, "def_regio_niveau")
    if _text(form, "def_regio_gemeente"):
        data["regio"]["gemeente"] = _text(form, "def_regio_gemeente")
    return data


async def own_table_files(form: FormData) -> dict[str, bytes]:
    """The files a job of an own table needs beside the table, validated; or a coded error.

    A postcode table is taken only from the upload, never from a path in the definition
    (which could name any file on the server): the stored definition names the uploaded copy.
    """
    upload = form.get("definitie")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_DEFINITION_BYTES + 1)
        if len(raw) > MAX_DEFINITION_BYTES:
            raise definition_error("Het definitiebestand is groter dan 256 kB.")
        try:
            data = yaml.safe_load(raw.decode("utf-8"))
        except (UnicodeDecodeError, yaml.YAMLError) as err:
            raise definition_error(
                f"Het definitiebestand is geen leesbare YAML ({type(err).__name__})."
            ) from None
        source = "Het definitiebestand"
    else:
        data = definition_from_form(form)
        if data is None:
            raise ImportFileError(
                "Een eigen tabel heeft een definitie nodig: upload het definitiebestand (YAML) "
                "of vul de definitie in het formulier in.",
                code="BB-TAB-030",
                hint="Zie docs/eigen-tabellen.md: tabel, bron, regiokolom, periode en per "
                "indicator de kolom, titel en eenheid.",
            )
        source = "De definitie in het formulier"
    definition = _validated(data, source)
    files: dict[str, bytes] = {}
    lookup = form.get("postcodetabel")
    if definition.regio.soort == "postcode":
        if not isinstance(lookup, UploadFile) or not lookup.filename:
            raise ImportFileError(
                "Deze tabel heeft postcodes als regio: upload ook de postcodetabel (CSV of XLSX "
                "met de kolommen postcode en buurtcode).",
                code="BB-TAB-031",
                hint="Kies de postcodetabel bij 'Postcodetabel' in het formulier.",
            )
        suffix = Path(lookup.filename).suffix.lower()
        if suffix not in {".csv", ".xlsx"}:
            raise ImportFileError(
                "De postcodetabel moet een CSV- of XLSX-bestand zijn.",
                code="BB-TAB-031",
                hint="Sla de postcodetabel op als .csv of .xlsx.",
            )
        name = "_postcodetabel" + suffix  # safe_name never makes this: no clash with the table
        files[name] = await lookup.read()
        data["regio"]["postcodetabel"] = name
    files[DEFINITION_FILE] = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()
    files[OPTIONS_FILE] = json.dumps(
        {"strikt": form.get("strikt") == "ja", "sla_onbekende_over": form.get("onbekend") == "ja"}
    ).encode()
    return files


def run_options(folder: Path) -> tuple[Path, bool, bool]:
    """(definition file, strict, skip unknown regions) stored with a job's upload."""
    try:
        options = json.loads((folder / OPTIONS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        options = {}
    return (
        folder / DEFINITION_FILE,
        options.get("strikt") is True,
        options.get("sla_onbekende_over") is True,
    )
