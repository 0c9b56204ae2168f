"""An independent LP attacker against the toolkit's packages (issue 10, item 8).

The attacker is written here from scratch with ``scipy.optimize.linprog`` - not the product's
audit. It reads a package as anyone can: the region hierarchy from the codes, every additive
total, the inequalities of a multi-valued dimension (each category at most the distinct total,
together at least it), every published count as the interval its rounding and the profile leave,
and - for the packages of formats 1 and 2 - the status letters (``u`` in the hidden range,
``x`` above it). Against the toolkit's packages (one hidden status) it must find no hidden count
pinned inside the hidden range and nothing exact. With the letters it may succeed: then the
platform's intake must refuse the lettered package.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from buurtbeeld.errors import DisclosureError
from buurtbeeld.geo.registry import bundled_regions
from buurtbeeld.package_format import HIDDEN_STATUS, parse_public_key, read_package
from buurtbeeld.protect import get_profile
from buurtbeeld.source.aggregate import aggregate
from buurtbeeld.source.keys import key_files
from buurtbeeld.source.package import write_delivery
from buurtbeeld.source.protection import ProtectedDelivery, protect_delivery
from buurtbeeld.source.spec import parse_spec
from buurtbeeld.store.intake_audit import audit_package
from buurtbeeld.store.package_reader import read_package as platform_read

GEMEENTE = "GM0678"  # 3 wijken, 6 buurten
BUURTEN = ["BU06780000", "BU06780009", "BU06780100", "BU06780109", "BU06780200", "BU06780209"]
SPEC = """dataset: aanval
bron: eigenschap
gemeente: GM0678
profiel: {profiel}
bestanden: [{{pad: r.csv}}]
sleutels: {{persoon: p, huishouden: h}}
regio: {{buurtcode: b}}
periode: {{begin: d, per: kwartaal, van: 2024-01-01, tot: 2024-06-30}}
dimensies:
  - {{naam: soort, kolom: s, meerdere_per_eenheid: {multi}}}
  - {{naam: groep, kolom: g}}
tabellen:
  - {{naam: personen, titel: P, dimensies: [soort]}}
  - {{naam: huishoudens, titel: H, eenheid: huishoudens, dimensies: [groep]}}
  - {{naam: bedrag, titel: B, maat: som, kolom: e, dimensies: [soort]}}
"""
RECORDS = st.lists(
    st.tuples(
        st.integers(0, 60),  # person (household: person // 2)
        st.sampled_from(BUURTEN),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from(["jong", "oud"]),
        st.sampled_from(["15-02-2024", "20-05-2024"]),  # two quarters
        st.integers(1, 300_000),  # cents
    ),
    min_size=1,
    max_size=160,
)

CellId = tuple[str, str, str, frozenset[tuple[str, str]]]


def make_delivery(
    folder: Path, records: list[tuple[int, str, str, str, str, int]], profile: str, multi: bool
) -> tuple[ProtectedDelivery, Path]:
    lines = ["p;h;b;s;g;d;e"] + [
        f"P{p};H{p // 2};{b};{s};{g};{d};{c // 100},{c % 100:02d}" for p, b, s, g, d, c in records
    ]
    (folder / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = parse_spec(SPEC.format(profiel=profile, multi=str(multi).lower()), base=folder)
    spec.zaadbestand = folder / ".buurtbeeld-zaad"  # the signing key beside it, not in the cwd
    delivery = protect_delivery(aggregate(spec), seed="aanval")
    return delivery, write_delivery(delivery, folder / "p.zip")


def _parent(code: str) -> str | None:
    return {"BU": "WK" + code[2:8], "WK": "GM" + code[2:6]}.get(code[:2])


class Attacker:
    """Everything anyone can read from a package, as one LP per period and measure."""

    def __init__(self, path: Path, letters: dict[tuple[str, int], str] | None = None) -> None:
        self.package = read_package(path)
        self.letters = letters or {}
        self.rule = get_profile(self.package.manifest["profiel"]).frequency
        assert self.rule is not None

    def cells(self) -> dict[CellId, list[tuple[float | None, str]]]:
        """Per count cell what the tables say: (published value or None, status)."""
        out: dict[CellId, list[tuple[float | None, str]]] = defaultdict(list)
        for name, table in self.package.tables.items():
            if table.meta["maat"] != "aantal":
                continue
            dims = table.dimensions
            for i, row in enumerate(table.data.to_pylist()):
                pairs = frozenset((d, row[d]) for d in dims if row[d] != "totaal")
                status = self.letters.get((name, i), row["status"])
                out[(table.meta["eenheid"], row["periode"], row["regiocode"], pairs)].append(
                    (row["waarde"], status)
                )
        return out

    def relations(
        self, ids: set[CellId]
    ) -> tuple[list[tuple[CellId, list[CellId]]], list[tuple[list[CellId], list[CellId]]]]:
        """``total = sum(parts)`` and ``sum(greater) >= sum(lesser)``, from the manifest."""
        equal: list[tuple[CellId, list[CellId]]] = []
        at_least: list[tuple[list[CellId], list[CellId]]] = []
        children: dict[str, set[str]] = defaultdict(set)
        for _unit, _period, region, _pairs in ids:
            parent = _parent(region)
            if parent is not None:
                children[parent].add(region)
        for table in self.package.tables.values():
            if table.meta["maat"] != "aantal":
                continue
            unit = table.meta["eenheid"]
            rows = table.data.to_pylist()
            combos = {(r["periode"], tuple((d, r[d]) for d in table.dimensions)) for r in rows}
            for period, combo in combos:
                pairs = frozenset((d, v) for d, v in combo if v != "totaal")
                for parent, kids in children.items():
                    equal.append(
                        (
                            (unit, period, parent, pairs),
                            [(unit, period, k, pairs) for k in sorted(kids)],
                        )
                    )
            for meta in table.meta["dimensies"]:
                d, cats = meta["naam"], meta["categorieen"]
                regions = {r["regiocode"] for r in rows}
                others = {
                    (r["periode"], frozenset((e, r[e]) for e in table.dimensions if e != d))
                    for r in rows
                }
                for region in regions:
                    for period, rest in others:
                        rest_pairs = frozenset((e, v) for e, v in rest if v != "totaal")
                        total = (unit, period, region, rest_pairs)
                        parts = [(unit, period, region, rest_pairs | {(d, c)}) for c in cats]
                        if meta["optelbaar"]:
                            equal.append((total, parts))
                        else:
                            at_least += [([total], [p]) for p in parts]
                            at_least.append((parts, [total]))
        return equal, at_least

    def intervals(self) -> dict[CellId, tuple[float, float]]:
        """Integer interval of every hidden count cell (``[low, up]``, ``up`` may be inf)."""
        said = self.cells()
        equal, at_least = self.relations(set(said))
        ids = sorted(set(said) | {c for t, p in equal for c in (t, *p)}, key=str)
        col = {c: k for k, c in enumerate(ids)}
        lo, hi = np.zeros(len(ids)), np.full(len(ids), np.inf)
        rule = self.rule
        assert rule is not None
        for cell, told in said.items():
            k = col[cell]
            for value, status in told:
                if value is not None:
                    a, b = max(0.0, value - 4), value + 4
                    if value > 0:
                        a = max(a, rule.hidden_max + 1)
                    elif rule.hidden_min > 0:
                        b = 0.0
                elif status == "u":
                    a, b = rule.hidden_min, rule.hidden_max
                elif status == "x":
                    a, b = rule.hidden_max + 1, np.inf
                else:
                    a, b = 0.0, np.inf
                lo[k], hi[k] = max(lo[k], a), min(hi[k], b)
        a_eq = np.zeros((len(equal), len(ids)))
        for r, (total, parts) in enumerate(equal):
            a_eq[r, col[total]] = 1
            for p in parts:
                a_eq[r, col[p]] -= 1
        a_ub = np.zeros((len(at_least), len(ids)))
        for r, (greater, lesser) in enumerate(at_least):
            for g in greater:
                a_ub[r, col[g]] -= 1  # -(greater) + lesser <= 0
            for s in lesser:
                a_ub[r, col[s]] += 1
        bounds = [
            (float(a), None if math.isinf(b) else float(b)) for a, b in zip(lo, hi, strict=True)
        ]
        out: dict[CellId, tuple[float, float]] = {}
        for cell, told in said.items():
            if any(v is not None for v, _ in told):
                continue
            ends: list[float] = []
            for sign in (1.0, -1.0):
                c = np.zeros(len(ids))
                c[col[cell]] = sign
                res = linprog(
                    c,
                    A_ub=a_ub if len(at_least) else None,
                    b_ub=np.zeros(len(at_least)) if len(at_least) else None,
                    A_eq=a_eq,
                    b_eq=np.zeros(len(equal)),
                    bounds=bounds,
                    method="highs",
                )
                assert res.status in (0, 3), res.message  # optimal or unbounded, never infeasible
                ends.append(math.inf if res.status == 3 else sign * res.fun)
            low = math.ceil(ends[0] - 1e-6)
            out[cell] = (low, ends[1] if math.isinf(ends[1]) else math.floor(ends[1] + 1e-6))
        return out


def truth(delivery: ProtectedDelivery) -> dict[CellId, int]:
    out: dict[CellId, int] = {}
    for table in delivery.aggregation.tables:
        if table.measure != "aantal":
            continue
        for row in table.data.to_pylist():
            pairs = frozenset((d, row[d]) for d in table.dimensions if row[d] != "totaal")
            out[(table.unit, row["periode"], row["regiocode"], pairs)] = int(row["aantal"])
    return out


def lettered(delivery: ProtectedDelivery) -> dict[tuple[str, int], str]:
    """The toolkit's own letters per package row (what formats 1 and 2 published)."""
    return {
        (out.name, i): letter
        for out in delivery.outputs
        for i, letter in enumerate(out.letters)
        if letter in "ux"
    }


def _regions() -> dict[str, str | None]:
    return {
        r.code: r.parent_code
        for r in bundled_regions(2023)
        if r.division_year == 2023 and r.code[2:6] == GEMEENTE[2:]
    }


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=RECORDS, profile=st.sampled_from(["cbs-zorg", "drempel-10"]), multi=st.booleans())
def test_an_independent_attacker_learns_nothing_from_a_package(
    tmp_path: Path,
    records: list[tuple[int, str, str, str, str, int]],
    profile: str,
    multi: bool,
) -> None:
    delivery, path = make_delivery(tmp_path, records, profile, multi)
    rule = get_profile(profile).frequency
    assert rule is not None
    true = truth(delivery)
    found = Attacker(path).intervals()
    for cell, (low, up) in found.items():
        assert up - low >= 1, f"{cell} is exact"
        value = true.get(cell, 0)
        if rule.hidden_min <= value <= rule.hidden_max:
            assert low < rule.hidden_min or up > rule.hidden_max, f"{cell} pinned as small"
    # the platform accepts what the toolkit sends (nothing legitimate is refused)
    key = parse_public_key(key_files(delivery.aggregation.spec).public.read_text("utf-8"))
    contents = platform_read(path, {key.fingerprint: key})
    assert {s for t in contents.tables for s in t.statuses} <= {"s", "z", HIDDEN_STATUS}
    assert audit_package(contents, _regions()) >= len(found)
    # the same package with the letters of formats 1 and 2: where the attacker narrows a
    # primary inside the hidden range or pins a cell, the platform refuses it
    letters = lettered(delivery)
    broken = [
        cell
        for cell, (low, up) in Attacker(path, letters).intervals().items()
        if up - low < 1
        or (
            rule.hidden_min <= true.get(cell, 0) <= rule.hidden_max
            and (low > rule.hidden_min or up < rule.hidden_max)
        )
    ]
    old = dataclasses.replace(
        contents,
        tables=tuple(
            dataclasses.replace(
                t,
                statuses=tuple(
                    letters.get((t.name, i), s)
                    for i, s in zip(_rows(delivery, t.name, t.period), t.statuses, strict=True)
                ),
            )
            for t in contents.tables
        ),
    )
    if broken:
        with pytest.raises(DisclosureError):
            audit_package(old, _regions())


def _rows(delivery: ProtectedDelivery, name: str, period: str) -> list[int]:
    out = next(o for o in delivery.outputs if o.name == name)
    return [i for i, p in enumerate(out.data["periode"].to_pylist()) if p == period]
