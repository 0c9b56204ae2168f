"""Buurt and wijk names (CBS, division 2024): the bundled file, the registry, folding."""

from __future__ import annotations

import pyarrow.parquet as pq

from buurtbeeld.geo.names import NAME_NOTES, bundled_names, fold, name_for
from buurtbeeld.geo.registry import bundled_regions
from tests.conftest import shared_file


def _shared_names() -> dict[str, tuple[str, str, bool]]:
    table = pq.read_table(shared_file("gwb_namen_2024.parquet")).to_pylist()
    return {r["code"]: (r["name"], r["level"], r["in_kwb2023"]) for r in table}


def test_bundled_names_are_cbs_names_of_every_region() -> None:
    shared = _shared_names()
    assert bundled_names() == {code: name for code, (name, _l, _k) in shared.items()}


def test_2023_regions_carry_cbs_names_and_redrawn_buurten_keep_their_code() -> None:
    shared = _shared_names()
    regions = {r.code: r for r in bundled_regions(2023)}
    buurten = [r for r in regions.values() if r.level == "buurt"]
    unnamed = {r.code for r in buurten if r.code not in shared}
    # SOURCES.md §8: 155 buurt codes of 13 gemeenten that redrew their buurten in 2024
    assert len(unnamed) == 155
    assert len({c[2:6] for c in unnamed}) == 13
    for r in buurten:
        if r.code in unnamed:
            assert (r.name, r.name_note) == (f"Buurt {r.code}", "herindeling_2024")
        else:
            assert (r.name, r.name_note) == (shared[r.code][0], None)
    assert regions["BU05050100"].name == "Nieuwe Haven en omgeving"
    assert regions["WK050501"].name == "Wijk 01 Binnenstad"
    assert all(
        r.name_note is None for r in regions.values() if r.code[2:6] == "0505"
    )  # every buurt and wijk of Dordrecht is named


def test_an_older_division_gets_the_2024_name_with_a_note_or_its_code() -> None:
    assert name_for("BU05050100", 2020) == ("Nieuwe Haven en omgeving", "naam_2024")
    assert name_for("BU05050100", 2023) == ("Nieuwe Haven en omgeving", None)
    # Uden (GM0856) merged into Maashorst in 2022: its buurt codes have no 2024 name
    assert name_for("BU08560101", 2020) == (None, "geen_naam")
    regions = {r.code: r for r in bundled_regions(2020)}
    assert regions["GM0856"].name == "Uden" and regions["GM0856"].name_note is None
    unnamed = [r for r in regions.values() if r.name_note in ("geen_naam", "herindeling_2024")]
    assert unnamed and all(r.code in r.name for r in unnamed)
    assert all(NAME_NOTES[r.name_note] for r in unnamed if r.name_note)


def test_fold_ignores_case_accents_and_punctuation() -> None:
    assert fold("Skarsterlân") == fold("SKARSTERLAN") == "skarsterlan"
    assert fold("  's-Gravenhage ") == "s gravenhage"
    assert fold("Crabbehof/Zuidhoven") == "crabbehof zuidhoven"
