"""The framework's YAML: round trip, and every kind of bad input with its code and line."""

from __future__ import annotations

import pytest

from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.steer.errors import SteerError
from buurtbeeld.steer.framework import dump_framework, parse_framework
from buurtbeeld.steer.workspace import DEMO_FRAMEWORK

KNOWN = [i.id for i in builtin_catalog().indicators]

GOOD = """\
kader: Test
gemeente: GM0505
aandachtsgebieden:
  - sleutel: bestaanszekerheid
    naam: Bestaanszekerheid
    subdoelen:
      - sleutel: armoede
        naam: Minder armoede
        indicatoren: [bijstand_per_1000, huishoudens_laag_inkomen_pct]
      - sleutel: schulden
        naam: Schulden
        onder: armoede
        indicatoren: [moeite_rondkomen_pct]
"""


def _error(text: str) -> SteerError:
    with pytest.raises(SteerError) as err:
        parse_framework(text, KNOWN)
    return err.value


def test_the_demo_framework_has_the_seven_focus_areas_and_survives_a_round_trip() -> None:
    framework = parse_framework(DEMO_FRAMEWORK.read_text(encoding="utf-8"), KNOWN)
    assert [a.key for a in framework.focus_areas] == [
        "bestaanszekerheid", "opgroeien", "gezondheid", "wonen", "meedoen", "veiligheid",
        "zorg_dichtbij",
    ]  # fmt: skip
    assert framework.gemeente == "GM0505"
    assert parse_framework(dump_framework(framework), KNOWN) == framework


def test_nesting_under_another_sub_goal_is_kept() -> None:
    area = parse_framework(GOOD, KNOWN).focus_areas[0]
    assert [area.depth(s) for s in area.subgoals] == [0, 1]
    assert area.indicator_ids() == [
        "bijstand_per_1000", "huishoudens_laag_inkomen_pct", "moeite_rondkomen_pct",
    ]  # fmt: skip


def test_an_unknown_indicator_is_named_with_its_line() -> None:
    err = _error(GOOD.replace("moeite_rondkomen_pct", "bestaat_niet"))
    assert err.code == "BB-STR-003"
    assert "Regel 13" in err.message and "bestaat_niet" in err.message


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (("sleutel: schulden", "sleutel: armoede"), 10),  # a sub-goal key twice
        (("[moeite_rondkomen_pct]", "[moeite_rondkomen_pct, moeite_rondkomen_pct]"), 13),
        (("    naam: Bestaanszekerheid\n", "    naam: Bestaanszekerheid\n    naam: Nog eens\n"), 6),
    ],
)
def test_duplicates_are_refused_with_their_line(change: tuple[str, str], line: int) -> None:
    err = _error(GOOD.replace(*change))
    assert err.code == "BB-STR-004"
    assert f"Regel {line}" in err.message


def test_a_cycle_of_sub_goals_is_refused() -> None:
    text = GOOD.replace(
        "        naam: Minder armoede\n", "        naam: Minder armoede\n        onder: schulden\n"
    )
    err = _error(text)
    assert err.code == "BB-STR-005"
    assert (
        "armoede → schulden → armoede" in err.message
        or "schulden → armoede → schulden" in err.message
    )


def test_a_yaml_alias_that_contains_itself_is_a_cycle() -> None:
    err = _error("kader: x\ngemeente: GM0505\naandachtsgebieden: &a\n  - *a\n")
    assert err.code == "BB-STR-005"


def test_an_unknown_parent_is_refused() -> None:
    err = _error(GOOD.replace("onder: armoede", "onder: elders"))
    assert err.code == "BB-STR-006"
    assert "Regel 10" in err.message


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("kader: [x\n", "BB-STR-001", "Regel 2"),
        ("", "BB-STR-007", None),
        ("kader: x\ngemeente: GM0505\naandachtsgebieden: []\n", "BB-STR-007", "Regel 3"),
        ("kader: x\ngemeente: Dordrecht\naandachtsgebieden: []\n", "BB-STR-002", "Regel 2"),
        ("- een lijst\n", "BB-STR-002", "Regel 1"),
        (GOOD.replace("    naam: Bestaanszekerheid\n", ""), "BB-STR-002", "Regel 4"),
        (
            GOOD.replace("sleutel: bestaanszekerheid", "sleutel: Bestaans Zekerheid"),
            "BB-STR-002",
            "Regel 4",
        ),
        (GOOD.replace("onder: armoede", "kleur: rood"), "BB-STR-002", "Regel 12"),
        (GOOD.replace("[moeite_rondkomen_pct]", "moeite_rondkomen_pct"), "BB-STR-002", "Regel 13"),
    ],
)
def test_bad_structure_is_refused_with_a_code(text: str, code: str, line: str | None) -> None:
    err = _error(text)
    assert err.code == code, err.message
    if line:
        assert err.message.startswith(line), err.message
