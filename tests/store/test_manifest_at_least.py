"""A linked package's "k or more provisions" table (``combinaties: minstens``, issue 11) is
declared in the manifest and checked there: it must name the linked table it sums, count the
same unit, and only have k = 2 … n - 1 (k = 1 is the total, k = n one combination)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from buurtbeeld.errors import ImportFileError
from buurtbeeld.package_format import validate_manifest

NAMES = ("wmo", "jeugdhulp", "bijstand", "schuldsignalen")


def _manifest() -> dict[str, Any]:
    def dim(name: str, categories: list[str], additive: bool = True) -> dict[str, Any]:
        return {"naam": name, "optelbaar": additive, "categorieen": categories}

    return {
        "formaat": "buurtbeeld-pakket",
        "versie": 3,
        "bron": "Onderzoeksbureau (koppelpartij)",
        "dataset": "stapeling",
        "eenheid": "huishoudens",
        "periode": "2024",
        "indelingsjaar": 2023,
        "profiel": "cbs-zorg",
        "tabellen": [
            {
                "naam": "huishoudens",
                "bestand": "huishoudens.parquet",
                "dimensies": [dim(n, ["ja", "nee"]) for n in NAMES],
                "eenheid": "huishoudens",
                "combinaties": "exclusief",
            },
            {
                "naam": "huishoudens_minstens",
                "bestand": "huishoudens_minstens.parquet",
                "dimensies": [dim("minstens", ["2", "3"], additive=False)],
                "eenheid": "huishoudens",
                "combinaties": "minstens",
                "minstens_van": "huishoudens",
            },
        ],
        "bestanden": {},
        "koppeling": {
            "soort": "stapeling",
            "regel": "laatste-adres",
            "voorzieningen": [
                {"naam": n, "titel": n.capitalize(), "bron": "Partner", "dataset": n} for n in NAMES
            ],
        },
    }


def test_a_linked_manifest_with_a_k_or_more_table_is_valid() -> None:
    manifest = validate_manifest(_manifest())
    assert manifest.tabellen[1].minstens_van == "huishoudens"


def _at_least(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda m: m["tabellen"][1].update({field: value})


def _categories(values: list[str]) -> Callable[[dict[str, Any]], None]:
    return lambda m: m["tabellen"][1]["dimensies"][0].update({"categorieen": values})


@pytest.mark.parametrize(
    "change",
    [
        _at_least("minstens_van", None),  # combinaties: minstens without its table
        _at_least("combinaties", None),  # minstens_van without combinaties: minstens
        _at_least("minstens_van", "onbekend"),
        _at_least("minstens_van", "huishoudens_minstens"),  # itself: not a linked table
        _at_least("eenheid", "personen"),
        _at_least("maat", "som"),
        _categories(["1", "2"]),  # k = 1 is the total
        _categories(["2", "4"]),  # k = n is the combination of all four
        _categories(["twee"]),
        _categories([]),
        lambda m: m["tabellen"][1]["dimensies"][0].update({"naam": "wmo"}),
        lambda m: m["tabellen"][1]["dimensies"][0].update({"optelbaar": True}),
        lambda m: m["tabellen"][0].update({"combinaties": None}),  # sums a cross table
        lambda m: m.pop("koppeling"),  # only a linked package has one
    ],
)
def test_a_k_or_more_table_that_does_not_fit_is_refused_by_name(
    change: Callable[[dict[str, Any]], None],
) -> None:
    manifest = copy.deepcopy(_manifest())
    change(manifest)
    with pytest.raises(ImportFileError) as info:
        validate_manifest(manifest)
    assert info.value.code == "BB-PKG-025"
