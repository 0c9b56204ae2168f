"""Read an XLSX file into text cells, after bounding what unpacking it may cost.

An xlsx is a zip archive. Before calamine opens it, the archive's own table of contents is
checked: it must hold ``xl/workbook.xml``, its members may not unpack to more than
``MAX_UNPACKED`` bytes in total, and no large member may be compressed more than ``MAX_RATIO``
times (CBS's national KWB sheet: 32 MB from 3.6 MB, ratio 9). The chosen sheet is then scanned
for formula cells without a cached value: calamine would read those as empty (hidden) cells.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pyarrow as pa
from python_calamine import CalamineError, CalamineWorkbook

from buurtbeeld.errors import ImportFileError

MAX_UNPACKED = 512 * 1024 * 1024
MAX_RATIO = 100
RATIO_FROM = 1024 * 1024
"""Members smaller than this are not ratio-checked (tiny XML compresses well)."""
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")
_DAMAGED_HINT = "Download het bestand opnieuw bij CBS en probeer het nog eens."


def _damaged(path: Path, why: str) -> ImportFileError:
    return ImportFileError(
        f"'{path.name}' is geen leesbaar Excel-bestand ({why}).",
        code="BB-IMP-004",
        hint=_DAMAGED_HINT,
    )


def check_archive(archive: zipfile.ZipFile, path: Path) -> None:
    """Refuse an xlsx without a workbook or one that unpacks to far more than a CBS file."""
    members = archive.infolist()
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise _damaged(path, "xl/workbook.xml ontbreekt")
    total = sum(m.file_size for m in members)
    inflated = [
        m
        for m in members
        if m.file_size > RATIO_FROM and m.file_size > MAX_RATIO * max(m.compress_size, 1)
    ]
    if total > MAX_UNPACKED or inflated:
        mb = total // (1024 * 1024)
        raise ImportFileError(
            f"'{path.name}' zou uitgepakt {mb} MB worden"
            + (
                f" ({inflated[0].filename} is meer dan {MAX_RATIO} keer samengeperst)"
                if inflated
                else ""
            )
            + "; zo groot of zo sterk samengeperst is geen CBS-bestand. Het is niet geopend.",
            code="BB-IMP-036",
            hint="Gebruik het originele bestand van CBS. Is het bestand echt zo groot, sla het dan "
            "op als CSV en importeer dat.",
        )


def _sheet_member(archive: zipfile.ZipFile, name: str) -> str | None:
    """Zip member of the worksheet called ``name`` (via workbook.xml and its relationships)."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
    for sheet in book.iter(f"{_MAIN}sheet"):
        if sheet.get("name") == name:
            target = targets.get(sheet.get(f"{_REL}id"), "")
            return target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return None


def formulas_without_value(archive: zipfile.ZipFile, member: str) -> list[str]:
    """Cell references (``D3``) of formula cells that carry no cached value."""
    with archive.open(member) as handle:
        tail = b""
        while block := handle.read(1 << 20):
            if _FORMULA.search(tail + block):
                break
            tail = block[-8:]
        else:
            return []
    missing = []
    with archive.open(member) as handle:
        for _, element in ElementTree.iterparse(handle):
            if element.tag != f"{_MAIN}c":
                continue
            if element.find(f"{_MAIN}f") is not None:
                value = element.find(f"{_MAIN}v")
                if value is None or not (value.text or "").strip():
                    missing.append(element.get("r", "?"))
            element.clear()
    return missing


def _column_index(ref: str) -> int:
    index = 0
    for char in ref:
        if not char.isalpha():
            break
        index = index * 26 + ord(char.upper()) - ord("A") + 1
    return index - 1


def _as_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: Path, sheet: str | None) -> tuple[list[str], pa.Table | None]:
    """Header and text columns of one sheet (default: the first); ``None`` for an empty sheet."""
    if not zipfile.is_zipfile(path):
        raise _damaged(path, "het bestand is beschadigd of onvolledig")
    try:
        with zipfile.ZipFile(path) as archive:
            check_archive(archive, path)
            workbook = CalamineWorkbook.from_path(str(path))
            name = sheet or workbook.sheet_names[0]
            member = _sheet_member(archive, name)
            missing = formulas_without_value(archive, member) if member else []
            calamine_sheet = workbook.get_sheet_by_name(name)
            rows = calamine_sheet.to_python()
    except ImportFileError:
        raise
    except (CalamineError, zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise _damaged(path, type(err).__name__) from err
    if not rows:
        return [], None
    header = [str(h).strip() for h in rows[0]]
    if missing:
        first_column = calamine_sheet.start[1] if calamine_sheet.start else 0
        named = []
        for ref in missing[:3]:
            at = _column_index(ref) - first_column
            column = header[at] if 0 <= at < len(header) else "?"
            named.append(f"cel {ref} (kolom '{column}')")
        raise ImportFileError(
            f"Werkblad '{name}' van '{path.name}' heeft {len(missing)} "
            f"{'formule' if len(missing) == 1 else 'formules'} zonder berekende waarde: "
            f"{', '.join(named)}.",
            code="BB-IMP-039",
            hint="Open het bestand in Excel of LibreOffice, laat het herberekenen en sla het op; "
            "of gebruik het originele CBS-bestand (dat heeft geen formules).",
        )
    columns = list(zip(*rows[1:], strict=False)) if len(rows) > 1 else [() for _ in header]
    arrays = [pa.array([_as_text(v) for v in col], pa.string()) for col in columns]
    arrays += [pa.nulls(len(rows) - 1, pa.string())] * (len(header) - len(arrays))
    return header, pa.Table.from_arrays(arrays[: len(header)], names=header)
