"""The indicator framework: focus areas → sub-goals → indicators from the catalogue.

YAML for version control (``parse_framework`` / ``dump_framework``)::

    kader: Sociaal domein Dordrecht
    gemeente: GM0505
    aandachtsgebieden:
      - sleutel: bestaanszekerheid
        naam: Bestaanszekerheid
        ambitie: Iedereen kan rondkomen.          # optional
        subdoelen:
          - sleutel: minder_armoede
            naam: Minder huishoudens met een laag inkomen
            indicatoren: [huishoudens_laag_inkomen_pct]
          - sleutel: schulden_vroeg
            naam: Schulden vroeg in beeld
            onder: minder_armoede                  # optional: a sub-goal of a sub-goal
            indicatoren: [bijstand_per_1000]

Validation is complete before anything is saved; every error names the line (``regel N``) and
has a code: unreadable YAML (BB-STR-001), wrong structure (002), unknown indicator (003),
duplicate (004), cycle (005: ``onder`` chains or recursive YAML aliases), unknown ``onder``
(006), empty or too large (007).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from buurtbeeld.steer.errors import SteerError, cut

KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CODE = re.compile(r"^GM\d{4}$")
MAX_BYTES = 512_000
MAX_ITEMS = 2_000


@dataclass(frozen=True)
class SubGoal:
    """A sub-goal: a key, a name, optionally a parent sub-goal, and its indicators."""

    key: str
    name: str
    indicators: tuple[str, ...]
    parent: str | None = None


@dataclass(frozen=True)
class FocusArea:
    """A focus area (aandachtsgebied) with its ambition and sub-goals."""

    key: str
    name: str
    subgoals: tuple[SubGoal, ...]
    ambition: str = ""

    def indicator_ids(self) -> list[str]:
        """Every indicator of this focus area, in order, once."""
        return list(dict.fromkeys(i for s in self.subgoals for i in s.indicators))

    def depth(self, subgoal: SubGoal) -> int:
        """0 for a sub-goal directly under the focus area, 1 under another sub-goal, …"""
        parents = {s.key: s.parent for s in self.subgoals}
        level, key = 0, subgoal.parent
        while key is not None and level < len(parents):
            level, key = level + 1, parents.get(key)
        return level


@dataclass(frozen=True)
class Framework:
    """A gemeente's indicator framework."""

    title: str
    gemeente: str
    focus_areas: tuple[FocusArea, ...] = field(default_factory=tuple)

    def focus_area(self, key: str) -> FocusArea | None:
        """The focus area with ``key``, or ``None``."""
        return next((f for f in self.focus_areas if f.key == key), None)

    def indicator_ids(self) -> list[str]:
        """Every indicator of the framework, in order, once."""
        return list(dict.fromkeys(i for f in self.focus_areas for i in f.indicator_ids()))


# --- reading YAML with line numbers ------------------------------------------------------
class _Text(str):
    """A YAML string that knows its line."""

    line: int


class _Mapping(dict[str, Any]):
    """A YAML mapping that knows its line and the line of each key."""

    line: int
    key_lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> _Text:
    value = _Text(loader.construct_scalar(node))
    value.line = node.start_mark.line + 1
    return value


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Mapping:
    out = _Mapping()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        line = key_node.start_mark.line + 1
        if key in out:
            raise SteerError(
                f"Regel {line}: het veld '{cut(key)}' staat twee keer in hetzelfde blok.",
                code="BB-STR-004",
                hint="Laat elk veld één keer voorkomen.",
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = line
    return out


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def _check_no_cycle(node: yaml.Node) -> None:
    """Recursive aliases (``&a [*a]``) make a structure that contains itself: a cycle."""
    stack: list[int] = []

    def walk(n: yaml.Node) -> None:
        if id(n) in stack:
            raise SteerError(
                f"Regel {n.start_mark.line + 1}: het kader verwijst naar zichzelf "
                "(een YAML-anker dat zichzelf bevat).",
                code="BB-STR-005",
                hint="Gebruik geen ankers (&) en verwijzingen (*) die naar zichzelf wijzen.",
            )
        if isinstance(n, yaml.SequenceNode):
            children: Iterable[yaml.Node] = n.value
        elif isinstance(n, yaml.MappingNode):
            children = [part for pair in n.value for part in pair]
        else:
            return
        stack.append(id(n))
        for child in children:
            walk(child)
        stack.pop()

    walk(node)


def _load(text: str) -> Any:
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise SteerError(
            f"Het kader is groter dan {MAX_BYTES // 1000} kB.",
            code="BB-STR-007",
            hint="Een kader heeft enkele aandachtsgebieden met elk enkele subdoelen.",
        )
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_no_cycle(node)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f"Regel {mark.line + 1}: " if mark else ""
        raise SteerError(
            f"{line}het kader is geen geldige YAML ({cut(err.problem or 'syntaxfout', 80)}).",
            code="BB-STR-001",
            hint="Controleer inspringing, dubbele punten en aanhalingstekens rond die regel.",
        ) from None
    except yaml.YAMLError:
        raise SteerError(
            "Het kader is geen geldige YAML.",
            code="BB-STR-001",
            hint="Controleer het bestand met een YAML-editor.",
        ) from None


def _line(value: Any, parent: _Mapping | None = None, key: str | None = None) -> int:
    if parent is not None and key is not None and key in parent.key_lines:
        return parent.key_lines[key]
    return int(getattr(value, "line", getattr(parent, "line", 1)))


def _structure(line: int, message: str) -> SteerError:
    return SteerError(
        f"Regel {line}: {message}",
        code="BB-STR-002",
        hint="Zie docs/sturen.md voor de opbouw: kader, gemeente, aandachtsgebieden met "
        "sleutel, naam en subdoelen; subdoelen met sleutel, naam en indicatoren.",
    )


def _mapping(value: Any, line: int, what: str, allowed: set[str]) -> _Mapping:
    if not isinstance(value, _Mapping):
        raise _structure(line, f"{what} moet een blok met velden zijn.")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _structure(
            value.key_lines[unknown[0]],
            f"onbekend veld '{cut(unknown[0], 40)}' in {what} (toegestaan: "
            + ", ".join(sorted(allowed))
            + ").",
        )
    return value


def _text(block: _Mapping, key: str, what: str, *, required: bool = True, size: int = 200) -> str:
    value = block.get(key)
    line = _line(value, block, key)
    if value is None:
        if required:
            raise _structure(block.line, f"{what} mist het veld '{key}'.")
        return ""
    if isinstance(value, (_Mapping, list)):
        raise _structure(line, f"'{key}' van {what} moet tekst zijn.")
    text = str(value).strip()
    if required and not text:
        raise _structure(line, f"'{key}' van {what} is leeg.")
    if len(text) > size:
        raise _structure(line, f"'{key}' van {what} is langer dan {size} tekens.")
    return text


def _key(block: _Mapping, what: str) -> str:
    key = _text(block, "sleutel", what, size=64)
    if not KEY.fullmatch(key):
        raise _structure(
            _line(block.get("sleutel"), block, "sleutel"),
            f"sleutel '{cut(key, 40)}' van {what}: alleen kleine letters, cijfers en _ "
            "(beginnend met een letter).",
        )
    return key


def _duplicate(line: int, what: str, value: str, first: int) -> SteerError:
    return SteerError(
        f"Regel {line}: {what} '{cut(value)}' komt twee keer voor (eerst op regel {first}).",
        code="BB-STR-004",
        hint="Elke sleutel is uniek in het kader; een indicator staat één keer per subdoel.",
    )


def parse_framework(text: str, known_indicators: Iterable[str]) -> Framework:
    """The framework in ``text`` (YAML), validated against the catalogue's indicator ids.

    Raises :class:`SteerError` at the first problem, with its line.
    """
    known = set(known_indicators)
    data = _load(text)
    if data is None:
        raise SteerError(
            "Het kader is leeg.",
            code="BB-STR-007",
            hint="Begin met 'kader:', 'gemeente:' en 'aandachtsgebieden:'.",
        )
    root = _mapping(data, 1, "het kader", {"kader", "gemeente", "aandachtsgebieden"})
    title = _text(root, "kader", "het kader")
    gemeente = _text(root, "gemeente", "het kader", size=10).upper()
    if not CODE.fullmatch(gemeente):
        raise _structure(
            _line(root.get("gemeente"), root, "gemeente"),
            f"gemeente '{cut(gemeente, 12)}' is geen gemeentecode (zoals GM0505).",
        )
    areas_raw = root.get("aandachtsgebieden")
    if not isinstance(areas_raw, list) or not areas_raw:
        raise SteerError(
            f"Regel {_line(areas_raw, root, 'aandachtsgebieden')}: het kader heeft geen "
            "aandachtsgebieden.",
            code="BB-STR-007",
            hint="Geef onder 'aandachtsgebieden:' minstens één aandachtsgebied.",
        )
    seen_area: dict[str, int] = {}
    seen_sub: dict[str, int] = {}
    items = 0
    areas = []
    for raw in areas_raw:
        line = _line(raw, root, "aandachtsgebieden")
        area = _mapping(
            raw, line, "een aandachtsgebied", {"sleutel", "naam", "ambitie", "subdoelen"}
        )
        what = "een aandachtsgebied"
        key = _key(area, what)
        if key in seen_area:
            raise _duplicate(area.line, "het aandachtsgebied", key, seen_area[key])
        seen_area[key] = area.line
        name = _text(area, "naam", f"aandachtsgebied '{key}'")
        ambition = _text(area, "ambitie", f"aandachtsgebied '{key}'", required=False, size=2000)
        subs_raw = area.get("subdoelen") or []
        if not isinstance(subs_raw, list):
            raise _structure(area.key_lines["subdoelen"], "'subdoelen' moet een lijst zijn.")
        subs = []
        for sub_raw in subs_raw:
            sub = _mapping(
                sub_raw,
                area.line,
                f"een subdoel van '{key}'",
                {"sleutel", "naam", "onder", "indicatoren"},
            )
            sub_key = _key(sub, f"een subdoel van '{key}'")
            if sub_key in seen_sub or sub_key in seen_area:
                first = seen_sub.get(sub_key, seen_area.get(sub_key, 0))
                raise _duplicate(sub.line, "de sleutel", sub_key, first)
            seen_sub[sub_key] = sub.line
            sub_name = _text(sub, "naam", f"subdoel '{sub_key}'")
            parent = _text(sub, "onder", f"subdoel '{sub_key}'", required=False, size=64) or None
            ids_raw = sub.get("indicatoren") or []
            if not isinstance(ids_raw, list):
                raise _structure(
                    sub.key_lines["indicatoren"],
                    f"'indicatoren' van subdoel '{sub_key}' moet een lijst zijn.",
                )
            ids: dict[str, int] = {}
            for value in ids_raw:
                id_line = _line(value, sub, "indicatoren")
                if not isinstance(value, str):
                    raise _structure(id_line, f"een indicator van '{sub_key}' moet een id zijn.")
                indicator = value.strip()
                if indicator not in known:
                    raise SteerError(
                        f"Regel {id_line}: onbekende indicator '{cut(indicator)}' in subdoel "
                        f"'{sub_key}'.",
                        code="BB-STR-003",
                        hint="Gebruik een id uit de catalogus (zie /indicatoren).",
                    )
                if indicator in ids:
                    raise _duplicate(id_line, "de indicator", indicator, ids[indicator])
                ids[indicator] = id_line
                items += 1
            subs.append(SubGoal(sub_key, sub_name, tuple(ids), parent))
            items += 1
            if items > MAX_ITEMS:
                raise SteerError(
                    f"Het kader heeft meer dan {MAX_ITEMS} onderdelen.",
                    code="BB-STR-007",
                    hint="Houd het kader klein: enkele aandachtsgebieden en subdoelen.",
                )
        _check_parents(subs, seen_sub)
        areas.append(FocusArea(key, name, tuple(subs), ambition))
    return Framework(title, gemeente, tuple(areas))


def _check_parents(subs: list[SubGoal], lines: dict[str, int]) -> None:
    """``onder`` names a sub-goal of the same focus area, and the chain ends (no cycle)."""
    own = {s.key: s for s in subs}
    for sub in subs:
        if sub.parent is not None and sub.parent not in own:
            raise SteerError(
                f"Regel {lines[sub.key]}: subdoel '{sub.key}' staat onder '{cut(sub.parent)}', "
                "maar dat is geen subdoel van hetzelfde aandachtsgebied.",
                code="BB-STR-006",
                hint="Verwijs met 'onder:' naar de sleutel van een subdoel erboven.",
            )
    for sub in subs:
        chain = [sub.key]
        key = sub.parent
        while key is not None:
            if key in chain:
                loop = " → ".join([*chain[chain.index(key) :], key])
                raise SteerError(
                    f"Regel {lines[sub.key]}: de subdoelen vormen een kringverwijzing ({cut(loop, 120)}).",
                    code="BB-STR-005",
                    hint="Een subdoel kan niet (via andere subdoelen) onder zichzelf staan.",
                )
            chain.append(key)
            key = own[key].parent


def dump_framework(framework: Framework) -> str:
    """The framework as YAML (the format ``parse_framework`` reads)."""
    areas = []
    for area in framework.focus_areas:
        out: dict[str, Any] = {"sleutel": area.key, "naam": area.name}
        if area.ambition:
            out["ambitie"] = area.ambition
        subs = []
        for sub in area.subgoals:
            entry: dict[str, Any] = {"sleutel": sub.key, "naam": sub.name}
            if sub.parent:
                entry["onder"] = sub.parent
            entry["indicatoren"] = list(sub.indicators)
            subs.append(entry)
        out["subdoelen"] = subs
        areas.append(out)
    data = {"kader": framework.title, "gemeente": framework.gemeente, "aandachtsgebieden": areas}
    head = "# Indicatorenkader van Buurtbeeld (zie docs/sturen.md)\n"
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
