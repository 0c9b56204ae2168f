"""Joint protection of a linked delivery with the partners' signed packages (issue 11, item 3).

Synthetic households with known provisions and movers (tests/source/joint_data.py); the
partners' packages are made by the real toolkit from their own records. An independent LP
attacker (scipy ``linprog``, not the product's audit) holds the linked package *and* every
partner package and knows the link relations (``L = blijft + binnen``, ``P = blijft + buiten``,
movers in = movers out per level); it must pin no hidden combination, no hidden partner cell and
no mover count inside the hidden range, and find nothing exact.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from buurtbeeld.errors import DisclosureError
from buurtbeeld.geo.codes import parent_of
from buurtbeeld.package_format import Linkage, Provision, parse_public_key, read_package
from buurtbeeld.protect import TOTAL
from buurtbeeld.source.link_at_least import at_least_table
from buurtbeeld.source.link_package import make_linked_package, write_linked_package
from buurtbeeld.source.link_partners import PartnerMarginals
from buurtbeeld.source.link_protection import LinkProtectionError, partner_keys, protect_link
from buurtbeeld.store.intake import intake_package
from buurtbeeld.store.intake_audit import audit_package, partner_figures, structural_zeros
from buurtbeeld.store.package_reader import read_package as platform_read
from buurtbeeld.store.workspace import Workspace
from tests.signing import make_key, register, trusted

from .joint_data import (
    BUURTEN,
    GEMEENTE,
    PROVISIONS,
    Counts,
    Extract,
    Spec,
    households,
    link_counts,
    partner_package,
)

HIDDEN_MAX = 7  # cbs-zorg hides 0..7
BASE = 5


@dataclasses.dataclass
class Flow:
    folder: Path
    counts: Counts
    partners: dict[str, Path]
    keys: dict[str, Any]
    linked: Path
    link_key: Any


def _flow(
    folder: Path,
    movers: float,
    seed: int = 3,
    n: int = 420,
    at_least: tuple[str, ...] | None = (),
) -> Flow:
    """``at_least``: the levels of a "k or more" table of households (``()``: none, ``None``:
    every level)."""
    data = households(n, seed, movers)
    spec = Spec([Extract(n, PROVISIONS[n][0]) for n in PROVISIONS])
    keys: dict[str, Any] = {}
    partners: dict[str, Path] = {}
    for extract in spec.extracten:
        partners[extract.naam], keys[extract.naam] = partner_package(
            folder / extract.naam, extract.naam, data
        )
        extract.pakket = partners[extract.naam]
    counts = link_counts(data, spec)
    if at_least != ():
        table = next(t for t in counts.tables if t.name == "huishoudens")
        counts.tables.append(at_least_table(table, table.dimensions, at_least))
    linked = protect_link(counts, seed="koppelpartij", trusted=trusted(*keys.values()))
    link_key = make_key(folder / "koppelpartij", spec.bron)
    path = write_linked_package(linked, folder / "stapeling.zip", link_key)
    return Flow(folder, counts, partners, keys, path, link_key)


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Flow:
    return _flow(tmp_path_factory.mktemp("stapeling"), movers=0.12)


def _parent(code: str) -> str | None:
    return {"BU": "WK" + code[2:8], "WK": "GM" + code[2:6]}.get(code[:2])


def _partner_cells(path: Path) -> dict[str, float | None]:
    table = read_package(path).tables["voorzieningen_totaal"]
    rows = table.data.to_pylist()
    return {r["regiocode"]: r["waarde"] for r in rows if (r.get("categorie") or TOTAL) == TOTAL}


def _linked_cells(path: Path) -> tuple[list[str], dict[tuple[str, tuple[str, ...]], float | None]]:
    package = read_package(path)
    table = package.tables["huishoudens"]
    dims = table.dimensions
    cells = {
        (r["regiocode"], tuple(r[d] for d in dims)): r["waarde"] for r in table.data.to_pylist()
    }
    return dims, cells


def test_the_package_holds_exclusive_combinations_marginals_and_the_total(flow: Flow) -> None:
    """Not the 3^k cross table: per region the 2^k - 1 exclusive combinations, the k
    marginals and the total, marked as such for the platform's audit."""
    dims, cells = _linked_cells(flow.linked)
    k = len(dims)
    for region in {r for r, _ in cells}:
        combos = {c for r, c in cells if r == region}
        leaves = {c for c in combos if TOTAL not in c}
        assert leaves == set(product(("ja", "nee"), repeat=k)) - {("nee",) * k}
        assert combos - leaves == {
            *(tuple("ja" if d == n else TOTAL for d in dims) for n in dims),
            (TOTAL,) * k,
        }
    package = read_package(flow.linked)
    assert package.manifest["tabellen"][0]["combinaties"] == "exclusief"
    contents = platform_read(flow.linked, trusted(flow.link_key))
    assert all(t.exclusive for t in contents.tables)


def test_package_carries_linkage_and_the_movers_flag(flow: Flow) -> None:
    package = read_package(flow.linked)
    linkage = package.linkage
    assert linkage is not None and [p.name for p in linkage.provisions] == list(PROVISIONS)
    for provision in linkage.provisions:
        assert provision.table == "voorzieningen_totaal"
        assert provision.package_sha256 == read_package(flow.partners[provision.name]).sha256
    movers = flow.counts.movers.to_pylist()
    for provision in linkage.provisions:
        moved = any(
            r["binnen"] or r["buiten"] for r in movers if r["voorziening"] == provision.name
        )
        assert (provision.no_movers == ()) == moved
    assert any(p.no_movers for p in linkage.provisions)  # the data has a provision nobody left
    assert "pseudoniem" in package.report and "Beveiligingsrapport stapeling" in package.report


def test_a_marginal_without_movers_is_published_with_the_partners_value(flow: Flow) -> None:
    """One true count, one rounding: a second independent rounding would narrow it."""
    dims, cells = _linked_cells(flow.linked)
    moved = {
        (r["voorziening"], r["regiocode"])
        for r in flow.counts.movers.to_pylist()
        if r["binnen"] or r["buiten"]
    }
    compared = 0
    for name in dims:
        partner = _partner_cells(flow.partners[name])
        combo = tuple("ja" if d == name else TOTAL for d in dims)
        for region, published in partner.items():
            mine = cells[(region, combo)]
            if (name, region) in moved:
                continue
            if published is None:
                assert mine is None  # hidden at the partner: hidden here too
            elif mine is not None:
                assert mine == published
                compared += 1
    assert compared >= 5


def _solve(
    n: int, eq: list[tuple[dict[int, float], float]], bounds: list[tuple[float, float | None]]
) -> tuple[Any, np.ndarray, list[tuple[float, float | None]]]:
    a = np.zeros((len(eq), n))
    b = np.zeros(len(eq))
    for row, (coef, rhs) in enumerate(eq):
        for j, c in coef.items():
            a[row, j] += c
        b[row] = rhs
    return a, b, bounds


class Attacker:
    """Everything public (the linked package and every partner package) plus the link rule."""

    def __init__(self, flow: Flow) -> None:
        self.var: dict[Any, int] = {}
        self.bounds: list[tuple[float, float | None]] = []
        self.eq: list[tuple[dict[int, float], float]] = []
        self.hidden: list[Any] = []
        dims, cells = _linked_cells(flow.linked)
        linkage = read_package(flow.linked).linkage
        assert linkage is not None
        quiet = {p.name for p in linkage.provisions if p.no_movers}
        for key, value in cells.items():
            self._cell(("L", key), value)
        regions = sorted({k[0] for k in cells})
        combos = sorted({k[1] for k in cells})
        for region in regions:  # the region hierarchy
            kids = [r for r in regions if _parent(r) == region]
            if kids:
                for combo in combos:
                    self._sum(("L", (region, combo)), [("L", (k, combo)) for k in kids])
        for region in regions:  # a cell with totals = the sum of its exclusive combinations
            for combo in combos:
                if TOTAL in combo:
                    options = [("ja", "nee") if v == TOTAL else (v,) for v in combo]
                    parts = [("L", (region, p)) for p in product(*options)]
                    self._sum(("L", (region, combo)), parts)
            self._cell(("L", (region, ("nee",) * len(dims))), 0.0)  # zero by construction
        at_least = _at_least_cells(flow.linked)  # "k or more": the sum of its combinations
        for (region, k), value in at_least.items():
            self._cell(("K", region, k), value)
            kids = [r for r in regions if _parent(r) == region and (r, k) in at_least]
            if kids:
                self._sum(("K", region, k), [("K", r, k) for r in kids])
            leaves = [c for c in product(("ja", "nee"), repeat=len(dims)) if c.count("ja") >= k]
            self._sum(("K", region, k), [("L", (region, c)) for c in leaves])
        for name in dims:
            partner = _partner_cells(flow.partners[name])
            for region, value in partner.items():
                self._cell(("P", name, region), value)
            for region in regions:
                kids = [r for r in regions if _parent(r) == region]
                if kids:
                    self._sum(("P", name, region), [("P", name, k) for k in kids])
            combo = tuple("ja" if d == name else TOTAL for d in dims)
            into: dict[str, list[Any]] = defaultdict(list)
            out: dict[str, list[Any]] = defaultdict(list)
            for region in regions:
                m = {w: self._free(("M", name, region, w)) for w in ("blijft", "binnen", "buiten")}
                self._sum(("L", (region, combo)), [m["blijft"], m["binnen"]])
                self._sum(("P", name, region), [m["blijft"], m["buiten"]])
                into[region[:2]].append(m["binnen"])
                out[region[:2]].append(m["buiten"])
                structural = region == GEMEENTE  # one gemeente: nobody moves out of it
                if name in quiet or structural:
                    self.eq.append(({self.var[m["binnen"]]: 1.0}, 0.0))
                    self.eq.append(({self.var[m["buiten"]]: 1.0}, 0.0))
                else:
                    self.hidden += [m["binnen"], m["buiten"]]
            for level, keys in into.items():
                coef: dict[int, float] = defaultdict(float)
                for k in keys:
                    coef[self.var[k]] += 1.0
                for k in out[level]:
                    coef[self.var[k]] -= 1.0
                self.eq.append((dict(coef), 0.0))

    def _free(self, key: Any) -> Any:
        if key not in self.var:
            self.var[key] = len(self.bounds)
            self.bounds.append((0.0, None))
        return key

    def _cell(self, key: Any, value: float | None) -> None:
        self._free(key)
        if key[0] == "L" and set(key[1][1]) == {"nee"}:
            self.bounds[self.var[key]] = (0.0, 0.0)  # no provision at all: zero by construction
        elif value is None:
            self.hidden.append(key)
        else:  # random rounding to 5; a published count is never 0..7
            low = max(value - (BASE - 1), HIDDEN_MAX + 1.0) if value > 0 else 0.0
            self.bounds[self.var[key]] = (low, value + BASE - 1)

    def _sum(self, total: Any, parts: list[Any]) -> None:
        coef: dict[int, float] = defaultdict(float)
        coef[self.var[self._free(total)]] += 1.0
        for p in parts:
            coef[self.var[self._free(p)]] -= 1.0
        self.eq.append((dict(coef), 0.0))

    def interval(self, key: Any) -> tuple[int, int]:
        n = len(self.bounds)
        a, b, bounds = _solve(n, self.eq, self.bounds)
        c = np.zeros(n)
        c[self.var[key]] = 1.0
        out = []
        for sign in (1.0, -1.0):
            res = linprog(sign * c, A_eq=a, b_eq=b, bounds=bounds, method="highs")
            assert res.status == 0, res.message  # the published figures are consistent
            out.append(sign * res.fun)
        return math.ceil(out[0] - 1e-6), math.floor(out[1] + 1e-6)


def _at_least_cells(path: Path) -> dict[tuple[str, int], float | None]:
    package = read_package(path)
    table = package.tables.get("huishoudens_minstens")
    if table is None:
        return {}
    return {(r["regiocode"], int(r["minstens"])): r["waarde"] for r in table.data.to_pylist()}


def _attack(flow: Flow) -> list[Any]:
    """The hidden cells the attacker pins inside 0..7 or exactly."""
    attacker = Attacker(flow)
    assert len(attacker.hidden) > 50
    exposed = []
    for key in attacker.hidden:
        low, up = attacker.interval(key)
        if up <= HIDDEN_MAX or low == up:  # pinned inside 0..7, or exact
            exposed.append(key)
    return exposed


def test_an_independent_lp_attacker_with_every_partner_package_learns_nothing(flow: Flow) -> None:
    assert _attack(flow) == []


def test_without_joint_protection_the_attacker_finds_something(tmp_path: Path) -> None:
    """The attacker above can fail: the link counts protected on their own (as the toolkit
    protects one partner's delivery) leak by subtraction from the partner packages."""
    flow = _flow(tmp_path, movers=0.0, seed=1, n=200)
    naive = dataclasses.replace(flow, linked=_naive(flow, tmp_path / "naief.zip"))
    attacker = Attacker(naive)
    found = False
    for key in attacker.hidden:
        try:
            low, up = attacker.interval(key)
        except AssertionError:
            found = True  # the two roundings of one count contradict each other
            break
        if up <= HIDDEN_MAX or low == up:
            found = True
            break
    assert found


def _naive(flow: Flow, target: Path) -> Path:
    """The same link counts protected without the partners' packages (but with the structural
    zeros), carrying the same ``koppeling`` field."""
    spec = dataclasses.replace(
        flow.counts.spec,
        extracten=[dataclasses.replace(e, pakket=None) for e in flow.counts.spec.extracten],
    )
    alone = protect_link(
        dataclasses.replace(flow.counts, spec=spec), seed="koppelpartij", trusted={}
    )
    linkage = read_package(flow.linked).linkage
    assert linkage is not None
    alone.linkage = linkage
    return write_linked_package(alone, target, flow.link_key)


def test_a_forged_or_unsigned_partner_package_is_refused(flow: Flow, tmp_path: Path) -> None:
    data = households(420, 3, 0.12)
    stranger = make_key(tmp_path / "vreemd", PROVISIONS["wmo"][1])  # same name, other key
    forged, _ = partner_package(tmp_path / "vals", "wmo", data, key=stranger)
    spec = dataclasses.replace(
        flow.counts.spec,
        extracten=[
            dataclasses.replace(e, pakket=forged if e.naam == "wmo" else e.pakket)
            for e in flow.counts.spec.extracten
        ],
    )
    counts = dataclasses.replace(flow.counts, spec=spec)
    with pytest.raises(LinkProtectionError) as info:
        protect_link(counts, seed="s", trusted=trusted(*flow.keys.values()))
    assert info.value.code == "BB-KOP-030" and "BB-SIG-005" in info.value.hint
    assert "'wmo'" in info.value.message
    # an unsigned package (format 2) is refused the same way
    package = read_package(flow.partners["jeugd"])
    from buurtbeeld.package_format import write_package

    unsigned = write_package(
        tmp_path / "ongetekend.zip",
        {**package.manifest, "versie": 2},
        {n: t.data for n, t in package.tables.items()},
    )
    spec.extracten[0].pakket = flow.partners["wmo"]
    spec.extracten[1].pakket = unsigned
    with pytest.raises(LinkProtectionError) as info:
        protect_link(counts, seed="s", trusted=trusted(*flow.keys.values()))
    assert info.value.code == "BB-KOP-030" and "BB-SIG-004" in info.value.hint
    # the keys as files, as partners publish them
    pubs = sorted((flow.folder).glob("*/sleutels/*.pub"))
    assert set(partner_keys(pubs)) == set(trusted(*flow.keys.values()))


def test_a_package_that_does_not_fit_its_extract_is_refused(flow: Flow, tmp_path: Path) -> None:
    other = households(420, 99, 0.12)  # another delivery of the same partner
    package, _ = partner_package(tmp_path / "ander", "wmo", other, key=flow.keys["wmo"])
    spec = dataclasses.replace(
        flow.counts.spec,
        extracten=[
            dataclasses.replace(e, pakket=package if e.naam == "wmo" else e.pakket)
            for e in flow.counts.spec.extracten
        ],
    )
    with pytest.raises(LinkProtectionError) as info:
        protect_link(
            dataclasses.replace(flow.counts, spec=spec),
            seed="s",
            trusted=trusted(*flow.keys.values()),
        )
    assert info.value.code == "BB-KOP-033"


def _import_partners(workspace: Workspace, flow: Flow) -> None:
    for name, key in flow.keys.items():
        register(workspace, key, f"partner-{name}")
        intake_package(workspace, platform_read(flow.partners[name], trusted(key)))
    register(workspace, flow.link_key, "koppelpartij")


def _platform_audit(workspace: Workspace, package: Path, flow: Flow) -> int:
    """What the intake audits of a linked package: its cells with the partners' marginals."""
    contents = platform_read(package, trusted(flow.link_key))
    con = workspace.connect(read_only=True)
    try:
        partners = partner_figures(con, contents)
        regions = dict(
            con.execute(
                "SELECT code, parent_code FROM region WHERE division_year = 2023"
            ).fetchall()
        )
    finally:
        con.close()
    for code in list(regions):
        regions[code] = regions[code] or parent_of(code)
    audit_package(contents, regions, (), partners)
    return sum(len(v.keys) for v in partners)


def test_the_platform_audits_a_linked_package_with_the_partners_marginals(
    flow: Flow, empty_workspace: Workspace
) -> None:
    assert _platform_audit(empty_workspace, flow.linked, flow) == 0  # partners not imported yet
    _import_partners(empty_workspace, flow)
    linkage = read_package(flow.linked).linkage
    assert linkage is not None
    quiet = [p for p in linkage.provisions if p.no_movers]
    assert _platform_audit(empty_workspace, flow.linked, flow) == 10 * len(quiet)


def test_the_platform_refuses_a_linked_package_protected_without_the_partners(
    tmp_path: Path, empty_workspace: Workspace
) -> None:
    flow = _flow(tmp_path, movers=0.0, seed=1, n=200)
    linkage = read_package(flow.linked).linkage
    assert linkage is not None and all(p.no_movers for p in linkage.provisions)
    naive = _naive(flow, tmp_path / "naief.zip")
    _platform_audit(empty_workspace, naive, flow)  # alone it passes the platform's audit
    _import_partners(empty_workspace, flow)
    with pytest.raises(DisclosureError) as info:
        _platform_audit(empty_workspace, naive, flow)
    assert info.value.code == "BB-PKG-050"
    # the jointly protected package of the same counts passes
    assert _platform_audit(empty_workspace, flow.linked, flow) == 30


def test_make_linked_package_signs_with_the_linking_partys_own_key(
    flow: Flow, tmp_path: Path
) -> None:
    spec = dataclasses.replace(flow.counts.spec, zaadbestand=tmp_path / ".buurtbeeld-zaad")
    counts = dataclasses.replace(flow.counts, spec=spec)
    pubs = sorted(flow.folder.glob("*/sleutels/*.pub"))
    path, linked, created = make_linked_package(counts, tmp_path / "uit" / "stapeling.zip", pubs)
    assert created
    assert (tmp_path / ".buurtbeeld-zaad").stat().st_mode & 0o077 == 0
    public = next(tmp_path.glob("*-sleutel.pub"))
    key = parse_public_key(public.read_text(encoding="utf-8"))
    contents = platform_read(path, {key.fingerprint: key})
    assert contents.linkage == linked.linkage and contents.source == spec.bron
    with pytest.raises(LinkProtectionError):  # without the partners' keys nothing is written
        make_linked_package(counts, tmp_path / "niets.zip", pubs[1:])
    assert not (tmp_path / "niets.zip").exists()


def test_linkage_field_names_the_partner_not_the_linking_party(flow: Flow) -> None:
    linkage = read_package(flow.linked).linkage
    assert isinstance(linkage, Linkage)
    first = linkage.provisions[0]
    assert isinstance(first, Provision) and first.source == PROVISIONS[first.name][1]
    assert BUURTEN[0] not in str(linkage)


def test_the_intake_knows_the_all_nee_combination_is_zero(flow: Flow) -> None:
    """Linked tables leave out the combination without any provision (zero by definition); the
    intake's audit must know it, or a rounding that pins it to 0 refuses a sound package."""
    contents = platform_read(flow.linked, trusted(flow.link_key))
    for table in contents.tables:
        zeros = structural_zeros(contents, table)
        assert {r for r, _ in zeros} == {k[0] for k in table.keys}
        assert all(set(c) == {"nee"} and len(c) == len(table.dimensions) for _, c in zeros)
        assert not set(zeros) & set(table.keys)
    partner = platform_read(flow.partners["wmo"], trusted(flow.keys["wmo"]))
    assert all(not structural_zeros(partner, t) for t in partner.tables)


def test_where_nobody_moved_the_marginal_is_the_partners_count_and_nothing_leaks(
    tmp_path: Path,
) -> None:
    """No movers at all (as in the demo): the linked marginals are the partners' counts, so
    no partner or mover cell joins the system (they tied every region of a unit into one LP
    of the audit); the independent attacker with every partner package still learns nothing,
    and every marginal carries the partner's own published value or is hidden with it."""
    flow = _flow(tmp_path, movers=0.0, seed=5, n=300)
    linkage = read_package(flow.linked).linkage
    assert linkage is not None and all(p.no_movers for p in linkage.provisions)
    spec = flow.counts.spec
    linked = protect_link(flow.counts, seed="koppelpartij", trusted=trusted(*flow.keys.values()))
    assert linked.joint == frozenset()
    dims, cells = _linked_cells(flow.linked)
    for name in dims:
        combo = tuple("ja" if d == name else TOTAL for d in dims)
        for region, published in _partner_cells(flow.partners[name]).items():
            assert cells[(region, combo)] == published
    assert spec.extracten[0].pakket is not None
    attacker = Attacker(flow)
    assert len(attacker.hidden) > 20
    for key in attacker.hidden:
        low, up = attacker.interval(key)
        assert up > HIDDEN_MAX and low < up, key[0]


def test_a_partner_package_without_a_region_of_the_link_is_refused(
    flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A partner's package of another gemeente or division misses regions the link counted."""
    import buurtbeeld.source.link_protection as module

    real = module.read_partner

    def without_first_region(*args: object, **kwargs: object) -> PartnerMarginals:
        partner = real(*args, **kwargs)  # type: ignore[arg-type]
        if partner.name != "wmo":
            return partner
        dropped = sorted(partner.cells)[0]
        cells = {k: v for k, v in partner.cells.items() if k != dropped}
        return dataclasses.replace(partner, cells=cells)

    monkeypatch.setattr(module, "read_partner", without_first_region)
    with pytest.raises(LinkProtectionError) as info:
        protect_link(flow.counts, seed="s", trusted=trusted(*flow.keys.values()))
    assert info.value.code == "BB-KOP-032" and "'wmo'" in info.value.message


@pytest.mark.parametrize("levels", [None, ("GM", "WK")])
def test_k_or_more_cells_are_protected_with_the_partners_marginals(
    tmp_path: Path, empty_workspace: Workspace, levels: tuple[str, ...] | None
) -> None:
    """A "k or more" table (every level, or only the gemeente and its wijken) goes through joint
    protection, the package and the platform's audit with the partners' figures; a hidden
    "2 or more" is not recomputable by the independent attacker either."""
    flow = _flow(tmp_path, movers=0.12, seed=5, n=300, at_least=levels)
    contents = platform_read(flow.linked, trusted(flow.link_key))
    table = next(t for t in contents.tables if t.name == "huishoudens_minstens")
    division = flow.counts.division
    want = [c for c in division.all_codes() if levels is None or c[:2] in levels]
    assert sorted(k[0] for k in table.keys) == sorted(want)
    assert {k[1] for k in table.keys} == {("2",)}
    _import_partners(empty_workspace, flow)
    _platform_audit(empty_workspace, flow.linked, flow)
    assert _attack(flow) == []


def test_a_national_partner_package_serves_a_linking_of_one_gemeente(
    flow: Flow, tmp_path: Path
) -> None:
    """Linking per gemeente (the advice for large areas) reads the partners' national packages
    as they are; a package of another gemeente stays refused."""
    from buurtbeeld.package_format import write_package
    from buurtbeeld.source.link_partners import read_partner

    extract = flow.counts.spec.extracten[0]
    assert extract.pakket is not None and extract.pakkettabel is not None
    keys = trusted(*flow.keys.values())
    own = read_partner(extract.naam, extract.pakket, extract.pakkettabel, keys, flow.counts.spec)
    package = read_package(extract.pakket)

    def with_area(area: list[str]) -> Path:
        manifest = {**package.manifest, "gebied": area}
        tables = {name: table.data for name, table in package.tables.items()}
        target = tmp_path / f"{extract.naam}-{area[0]}.zip"
        return write_package(target, manifest, tables, package.report, key=flow.keys[extract.naam])

    national = with_area(["NL00"])
    found = read_partner(extract.naam, national, extract.pakkettabel, keys, flow.counts.spec)
    assert found.cells == own.cells
    with pytest.raises(LinkProtectionError) as info:
        read_partner(
            extract.naam, with_area(["GM0014"]), extract.pakkettabel, keys, flow.counts.spec
        )
    assert info.value.code == "BB-KOP-032"
