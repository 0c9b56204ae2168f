"""A workspace with internal partner figures, and what publiek must never see of them.

The bundled CBS data, a partner package made by the real source toolkit (synthetic debt signals
of Hendrik-Ido-Ambacht, with amounts: indicators of the catalogue, theme ketenpartners) and the
linked stapeling package of the same gemeente (tests/overlap_package.py). Both partner sources
are internal by default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from buurtbeeld.source.pipeline import make_package
from buurtbeeld.source.spec import load_spec
from buurtbeeld.source.synthetic import generate
from buurtbeeld.store.intake import intake_package
from buurtbeeld.store.package_reader import read_package
from buurtbeeld.store.workspace import open_workspace
from tests.conftest import copy_workspace
from tests.overlap_package import GEMEENTE
from tests.overlap_package import SOURCE as STAPELING_SOURCE
from tests.signing import toolkit_keys

PARTNER = "Vroegsignalering schulden (demo)"
PARTNER_SOURCE = "pakket:vroegsignalering_schulden_demo"
STAPELING_KEY = "stapeling:stapeling"
STAPELING_MARKS = ("Stapeling van voorzieningen", STAPELING_SOURCE, "/voorzieningen")


@dataclass(frozen=True)
class Secrets:
    """What publiek must never see while the partner source is internal."""

    ids: tuple[str, ...]
    titles: tuple[str, ...]
    amounts: tuple[float, ...]  # published amounts with cents: distinctive figures

    def found_in(self, text: str) -> list[str]:
        """The ids, titles, source name and amounts that occur in ``text``."""
        hits = [i for i in self.ids if i in text]
        hits += [t for t in (*self.titles, PARTNER) if t in text]
        hits += [f for a in self.amounts for f in forms(a) if number_in(f, text)]
        return hits


def forms(value: float) -> list[str]:
    """An amount as it could be written: 4637.13 / 4637,13 / 4.637,13."""
    plain = f"{value:.2f}"
    dutch = f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return [repr(value), plain, plain.replace(".", ","), dutch]


def number_in(form: str, text: str) -> bool:
    """Whether ``form`` occurs in ``text`` as a whole number (not inside a longer one)."""
    return re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d])", text) is not None


def build_partner_workspace(base: Path, overlap_workspace: Path) -> tuple[Path, Secrets]:
    """Copy the stapeling workspace to ``base``/werkmap and take in the partner package."""
    root = base / "werkmap"
    copy_workspace(overlap_workspace, root)
    folder = base / "bron"
    generate(folder, gemeente=GEMEENTE, seed=23, registers=("schuldsignalen",))
    (folder / ".buurtbeeld-zaad").write_text("1" * 64 + "\n", encoding="ascii")
    spec = folder / "schuldsignalen.yaml"
    result = make_package(load_spec(spec), base / "pakket.zip")
    report = intake_package(open_workspace(root), read_package(result.path, toolkit_keys(spec)))
    ids = tuple(report.indicators)
    with duckdb.connect(str(root / "buurtbeeld.duckdb"), read_only=True) as con:
        titles = tuple(
            str(t)
            for (t,) in con.execute(
                """SELECT DISTINCT json_extract_string(definition_json, '$.name') FROM indicator_def
                   WHERE id IN (SELECT unnest(?::VARCHAR[]))""",
                [list(ids)],
            ).fetchall()
        )
        amounts = tuple(
            float(v)
            for (v,) in con.execute(
                """SELECT DISTINCT value FROM observation
                   WHERE indicator_id IN (SELECT unnest(?::VARCHAR[])) AND status = 'value'
                     AND value >= 100 AND round(value * 100) % 100 <> 0""",
                [list(ids)],
            ).fetchall()
        )
    assert ids and titles and amounts, "het pakket levert indicatoren, titels en bedragen"
    return root, Secrets(ids, titles, amounts)
