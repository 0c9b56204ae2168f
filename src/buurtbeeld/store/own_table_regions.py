"""Where the rows of a gemeente's own table lie: its region column matched to the workspace.

A CBS code with or without prefix (also when a spreadsheet dropped the leading zeros of a code
without prefix), a buurt/wijk name matched accent- and case-insensitively (with what did not
match, or matched more than once), or a postcode through the user's lookup table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from buurtbeeld.errors import ImportFileError
from buurtbeeld.opendata.files import read_text_table
from buurtbeeld.store.own_table_definition import OwnTableDefinition
from buurtbeeld.store.workspace import Workspace

PREFIX = {8: "BU", 6: "WK", 4: "GM"}


@dataclass
class Regions:
    """The workspace's regions of its division: code → (level, name)."""

    year: int
    rows: dict[str, tuple[str, str]] = field(default_factory=dict)


def tab_error(code: str, message: str, hint: str) -> ImportFileError:
    """A coded Dutch error about an own table (BB-TAB-…)."""
    return ImportFileError(message, code=code, hint=hint)


def fold(text: str) -> str:
    """Accent- and case-insensitive form of a name (``Skarsterlân`` → ``skarsterlan``)."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", plain.casefold()).strip()


def load_regions(workspace: Workspace) -> Regions:
    """The regions of the workspace's division."""
    con = workspace.connect(read_only=True)
    try:
        year = workspace.config.division_year
        rows = con.execute(
            "SELECT code, level, name FROM region WHERE division_year = ?", [year]
        ).fetchall()
    finally:
        con.close()
    return Regions(year, {r[0]: (r[1], r[2]) for r in rows})


def _code(raw: str, regions: Regions, level: str | None = None) -> str | None:
    """The workspace's code for a cell: with or without prefix, and also when a spreadsheet
    dropped the leading zeros of a code without prefix (``3440111`` for ``BU03440111``);
    a padded reading must be the only one that exists (of ``level``, when given)."""
    text = raw.strip().upper().replace(" ", "").removesuffix(".0")
    if text[:2] in {"BU", "WK", "GM", "NL"} or not text.isdigit():
        return text if text in regions.rows else None
    exact = PREFIX.get(len(text), "") + text
    if exact in regions.rows and (level is None or regions.rows[exact][0] == level):
        return exact
    padded = [PREFIX[n] + text.zfill(n) for n in PREFIX if len(text) < n]
    found = [c for c in padded if c in regions.rows and level in (None, regions.rows[c][0])]
    return found[0] if len(found) == 1 else None


def match_regions(
    values: list[str], definition: OwnTableDefinition, regions: Regions, folder: Path
) -> tuple[list[str | None], list[str]]:
    """Region code per row (None: not matched) and Dutch descriptions of what did not match."""
    key = definition.regio
    if key.soort == "code":
        out = [_code(v, regions, key.niveau) for v in values]
        return out, [f"'{v.strip()}'" for v, c in zip(values, out, strict=True) if c is None and v]
    if key.soort == "naam":
        index: dict[str, list[str]] = {}
        for code, (level, name) in regions.rows.items():
            if key.niveau and level != key.niveau:
                continue
            if key.gemeente and code[2:6] != key.gemeente.upper().removeprefix("GM"):
                continue
            index.setdefault(fold(name), []).append(code)
        out, bad = [], []
        for value in values:
            found = index.get(fold(value), [])
            out.append(found[0] if len(found) == 1 else None)
            if len(found) > 1:
                bad.append(
                    f"'{value.strip()}' (komt {len(found)} keer voor: {', '.join(found[:3])})"
                )
            elif not found:
                bad.append(f"'{value.strip()}' (onbekend)")
        return out, bad
    lookup = _postcode_lookup(definition, folder)
    out = []
    for value in values:
        hit = lookup.get(value.strip().upper().replace(" ", ""))
        out.append(None if hit is None else _code(hit, regions, key.niveau))
    missing = sum(1 for c in out if c is None)
    if not missing:
        return out, []
    words = "postcode" if missing == 1 else "postcodes"
    return out, [f"{missing} {words} niet in de postcodetabel of niet in de indeling"]


def _postcode_lookup(definition: OwnTableDefinition, folder: Path) -> dict[str, str]:
    name = definition.regio.postcodetabel
    hint = (
        "Geef bij regio 'postcodetabel' een CSV of XLSX met de kolommen postcode en buurtcode "
        "(bijvoorbeeld uit CBS' tabel postcode–huisnummer–buurt)."
    )
    if not name:
        raise tab_error("BB-TAB-005", "Voor postcodes is een postcodetabel nodig.", hint)
    path = (folder / name) if not Path(name).is_absolute() else Path(name)
    table = read_text_table(path)
    code_column = next(
        (c for c in ("buurtcode", "regiocode", "code", "bu_code") if c in table.column_names), None
    )
    if "postcode" not in table.column_names or code_column is None:
        raise tab_error(
            "BB-TAB-005", f"'{path.name}' heeft geen kolommen postcode en buurtcode.", hint
        )
    postcodes = [
        str(p or "").strip().upper().replace(" ", "") for p in table["postcode"].to_pylist()
    ]
    codes = [str(c or "") for c in table[code_column].to_pylist()]
    return dict(zip(postcodes, codes, strict=True))
