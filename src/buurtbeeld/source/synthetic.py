"""Seeded synthetic record-level partner extracts, calibrated to CBS KWB 2023 per buurt.

For demos, tests and benchmarks only: **fictitious** persons and households. The population of
every buurt follows KWB 2023 (inhabitants, households, one-person households, households with
children); register membership follows the published counts per buurt:

- Wmo clients ≈ ``a_wmo_t``, youths with jeugdhulp ≈ ``a_jz_tn``, bijstand ≈ ``a_soz_wb``;
- households with payment-arrears signals ≈ 6 % of households, scaled by ``p_hh_li``.

Where CBS hid a buurt value, the wijk's remainder (wijk minus the known buurten) is spread over
the hidden buurten by inhabitants; where the wijk is hidden too, the gemeente's remainder.
Person ids are nine digits like a BSN but deliberately **fail the 11-proef**, so they can never
be a real BSN. Postcodes (PC6) are fictitious but consistent with a generated PC6 → buurt table.

The extracts have the quirks of real exports: cp1252 and semicolons, decimal commas,
``1234 AB``/``1234ab`` postcodes, missing postcodes and codes, impossible dates, duplicate rows,
buurtcodes without ``BU``, an XLSX file and a typed Parquet file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

KWB = Path(__file__).resolve().parents[1] / "data" / "cbs" / "kwb2023.parquet"
REGISTERS = ("wmo", "jeugdhulp", "bijstand", "schuldsignalen")
WMO_KINDS = (
    "Hulp bij het huishouden",
    "Begeleiding individueel",
    "Dagbesteding",
    "Hulpmiddelen",
    "Woonvoorziening – traplift",
    "Vervoer (regiotaxi)",
)
WMO_SHARES = (0.32, 0.18, 0.10, 0.22, 0.08, 0.10)
YOUTH_KINDS = (
    "jeugdhulp zonder verblijf",
    "jeugdhulp met verblijf",
    "jeugdbescherming",
    "jeugdreclassering",
)
YOUTH_SHARES = (0.80, 0.09, 0.08, 0.03)
BENEFIT_KINDS = (
    "Participatiewet alleenstaande",
    "Participatiewet alleenstaande ouder",
    "Participatiewet gehuwden",
)
CREDITORS = ("energie", "water", "zorgverzekeraar", "woningcorporatie")
CREDITOR_SHARES = (0.30, 0.15, 0.35, 0.20)
CREDITOR_MEAN_EUR = (320.0, 110.0, 480.0, 950.0)
_LETTERS = "ABCEGHJKLMNPRTVWXZ"  # no SA/SD/SS and no ambiguous letters


# -- calibration ----------------------------------------------------------------------------


Area = str | list[str] | tuple[str, ...]
"""A gemeente code, several, or ``NL00`` for the whole country."""


def _kwb_rows(gemeente: Area) -> dict[str, dict[str, float | None]]:
    columns = [
        "gwb_code_10",
        "a_inw",
        "a_hh",
        "a_1p_hh",
        "a_hh_m_k",
        "a_soz_wb",
        "a_jz_tn",
        "a_wmo_t",
        "p_hh_li",
    ]
    table = pq.read_table(KWB, columns=columns)
    codes = table["gwb_code_10"]
    wanted = [gemeente] if isinstance(gemeente, str) else list(gemeente)
    if wanted != ["NL00"]:
        mask = pc.is_in(pc.utf8_slice_codeunits(codes, 2, 6), pa.array([g[2:6] for g in wanted]))
        table = table.filter(mask)
        present = set(table["gwb_code_10"].to_pylist())
        missing = [g for g in wanted if g not in present]
        if missing:
            raise ValueError(f"gemeente {missing[0]} is not in KWB 2023")
    rows = table.to_pylist()
    return {str(r.pop("gwb_code_10")): r for r in rows}


def calibrated(gemeente: Area, column: str) -> dict[str, float]:
    """Expected count per buurt: CBS's value, hidden buurten imputed from the remainder.

    Parameters
    ----------
    gemeente
        ``GM`` code, or ``NL00`` for every gemeente.
    column
        A KWB count column, e.g. ``a_wmo_t``.
    """
    rows = _kwb_rows(gemeente)
    wijken_of: dict[str, list[str]] = {}
    buurten_of: dict[str, list[str]] = {}
    for code in rows:
        if code.startswith("WK"):
            wijken_of.setdefault("GM" + code[2:6], []).append(code)
        elif code.startswith("BU"):
            buurten_of.setdefault("WK" + code[2:8], []).append(code)

    def value(code: str) -> float | None:
        v = rows[code][column]
        return None if v is None else float(v)

    def inhabitants(code: str) -> float:
        return float(rows[code]["a_inw"] or 0)

    out: dict[str, float] = {}
    for gm in (c for c in rows if c.startswith("GM")):
        wijken = wijken_of.get(gm, [])
        known_wijk = sum(value(w) or 0.0 for w in wijken)
        hidden_wijken = [w for w in wijken if value(w) is None]
        gm_rest = max(0.0, (value(gm) or 0.0) - known_wijk)
        gm_pop = sum(inhabitants(w) for w in hidden_wijken) or 1.0
        for wk in wijken:
            wijk_value = value(wk)
            total = wijk_value if wijk_value is not None else gm_rest * inhabitants(wk) / gm_pop
            buurten = buurten_of.get(wk, [])
            known = sum(value(b) or 0.0 for b in buurten)
            hidden = [b for b in buurten if value(b) is None]
            rest = max(0.0, total - known)
            pop = sum(inhabitants(b) for b in hidden) or 1.0
            for b in buurten:
                v = value(b)
                out[b] = v if v is not None else rest * inhabitants(b) / pop
    return out


def expected_clients(gemeente: Area) -> dict[str, float]:
    """Expected Wmo clients per buurt (``a_wmo_t``, imputed where hidden)."""
    return calibrated(gemeente, "a_wmo_t")


# -- population -----------------------------------------------------------------------------


def fake_bsn(index: np.ndarray, seed: int) -> np.ndarray:
    """Unique nine-digit ids that fail the 11-proef (so never a real BSN)."""
    n8 = (
        np.asarray(index, dtype=np.int64) * 48_271 + 10_007 * (seed % 997) + 1
    ) % 90_000_000 + 10_000_000
    digits = np.stack([(n8 // 10 ** (7 - i)) % 10 for i in range(8)])
    weights = np.arange(9, 1, -1)[:, None]
    remainder = (digits * weights).sum(axis=0) % 11
    check = (remainder + 1) % 10  # the passing digit would be `remainder`
    out: np.ndarray = n8 * 10 + check
    return out


def passes_eleven_test(number: int) -> bool:
    """The BSN 11-proef."""
    digits = [int(c) for c in f"{number:09d}"]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return total % 11 == 0


@dataclass
class Population:
    """A synthetic population: one entry per person, households and addresses consistent."""

    buurt: np.ndarray
    person: np.ndarray
    household: np.ndarray
    age: np.ndarray
    pc6: np.ndarray
    number: np.ndarray
    lookup: dict[str, str] = field(default_factory=dict)
    """PC6 → buurt."""
    scale: float = 1.0
    """Share of the real population generated (register sizes follow it)."""

    def expected(self, per_buurt: dict[str, float]) -> dict[str, float]:
        """Expected register counts per buurt at this population's scale."""
        return {b: v * self.scale for b, v in per_buurt.items()}

    def __len__(self) -> int:
        return len(self.person)


def _pc6_codes(n: int, offset: int) -> list[str]:
    out = []
    for i in range(offset, offset + n):
        pc4 = 1000 + i // (len(_LETTERS) ** 2)
        rest = i % (len(_LETTERS) ** 2)
        out.append(f"{pc4}{_LETTERS[rest // len(_LETTERS)]}{_LETTERS[rest % len(_LETTERS)]}")
    return out


def synthetic_population(
    gemeente: Area = "GM0505", *, seed: int = 2024, scale: float = 1.0
) -> Population:
    """Persons in households per buurt following KWB 2023 (``scale`` shrinks it for tests)."""
    rng = np.random.default_rng(seed)
    rows = _kwb_rows(gemeente)
    buurten = sorted(c for c in rows if c.startswith("BU") and (rows[c]["a_inw"] or 0) > 0)
    inw = np.array([float(rows[b]["a_inw"] or 0) for b in buurten]) * scale
    hh = (
        np.array(
            [
                float(rows[b]["a_hh"] or 0) or inw_b / 2.1
                for b, inw_b in zip(buurten, inw / scale, strict=True)
            ]
        )
        * scale
    )
    single = np.array([float(rows[b]["a_1p_hh"] or 0) for b in buurten]) * scale
    kids = np.array([float(rows[b]["a_hh_m_k"] or 0) for b in buurten]) * scale
    hh = np.maximum(np.rint(hh), 1).astype(np.int64)
    single = np.minimum(np.rint(single).astype(np.int64), hh)
    kids = np.minimum(np.rint(kids).astype(np.int64), hh - single)
    couples = hh - single - kids
    # children per family so that persons ≈ inhabitants (at least one child)
    n_children = np.maximum(np.rint(inw).astype(np.int64) - single - 2 * couples - 2 * kids, kids)
    # households in order: singles, couples, families; ids global
    hh_buurt = np.repeat(np.arange(len(buurten)), hh.astype(np.int64))
    kind = (
        np.concatenate(
            [np.repeat([0, 1, 2], [s, c, k]) for s, c, k in zip(single, couples, kids, strict=True)]
        )
        if len(buurten)
        else np.array([], dtype=np.int64)
    )
    n_hh = len(hh_buurt)
    extra = np.zeros(n_hh, dtype=np.int64)
    family_idx = np.flatnonzero(kind == 2)
    family_buurt = hh_buurt[family_idx]
    # spread each buurt's children over its families: 1 each + multinomial remainder
    per_family = np.ones(len(family_idx), dtype=np.int64)
    rest = n_children - kids
    starts = np.searchsorted(family_buurt, np.arange(len(buurten)))
    for b in np.flatnonzero(rest > 0):
        lo, hi = starts[b], starts[b] + kids[b]
        if hi > lo:
            per_family[lo:hi] += rng.multinomial(int(rest[b]), np.full(hi - lo, 1 / (hi - lo)))
    extra[family_idx] = per_family
    adults = np.where(kind == 0, 1, 2)
    single_parent = (kind == 2) & (rng.random(n_hh) < 0.25)
    adults = np.where(single_parent, 1, adults)
    size = adults + extra
    person_hh = np.repeat(np.arange(n_hh), size)
    first = np.concatenate([[0], np.cumsum(size)[:-1]]) if n_hh else np.array([], dtype=np.int64)
    position = np.arange(len(person_hh)) - first[person_hh]
    is_child = position >= adults[person_hh]
    older = kind[person_hh] == 0
    adult_age = np.where(
        older,
        np.clip(rng.normal(62, 18, len(person_hh)), 18, 99),
        np.clip(rng.normal(45, 14, len(person_hh)), 19, 95),
    )
    child_age = rng.integers(0, 18, len(person_hh))
    age = np.where(is_child, child_age, adult_age).astype(np.int64)
    # addresses: ~16 households per PC6
    n_pc = np.maximum(hh // 16, 1)
    first_gm = gemeente if isinstance(gemeente, str) else gemeente[0]
    offset = (int(first_gm[2:6]) * 37) % 2000 if first_gm != "NL00" else 0
    codes = _pc6_codes(int(n_pc.sum()), offset * 10)
    pc_first = np.concatenate([[0], np.cumsum(n_pc)[:-1]])
    hh_pc = pc_first[hh_buurt] + (rng.integers(0, 1 << 30, n_hh) % n_pc[hh_buurt])
    hh_number = rng.integers(1, 250, n_hh)
    lookup = {
        codes[i]: buurten[b]
        for b in range(len(buurten))
        for i in range(pc_first[b], pc_first[b] + n_pc[b])
    }
    codes_arr = np.array(codes)
    return Population(
        buurt=np.array(buurten)[hh_buurt][person_hh],
        person=fake_bsn(np.arange(len(person_hh)), seed),
        household=person_hh,
        age=age,
        pc6=codes_arr[hh_pc][person_hh],
        number=hh_number[person_hh],
        lookup=lookup,
        scale=scale,
    )


def _choose(
    pop: Population, expected: dict[str, float], weight: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Indices of persons drawn per buurt: Poisson(expected) persons, weighted, no repeats."""
    buurten, inverse = np.unique(pop.buurt, return_inverse=True)
    target = rng.poisson([max(expected.get(b, 0.0), 0.0) for b in buurten])
    key = np.log(np.maximum(weight, 1e-12)) + rng.gumbel(size=len(weight))
    key[weight <= 0] = -np.inf
    order = np.lexsort((-key, inverse))
    sorted_buurt = inverse[order]
    first = np.searchsorted(sorted_buurt, np.arange(len(buurten)))
    rank = np.arange(len(order)) - first[sorted_buurt]
    chosen = order[(rank < target[sorted_buurt]) & np.isfinite(key[order])]
    return np.sort(chosen)


# -- register extracts (as record arrays) ---------------------------------------------------


def _dates(rng: np.random.Generator, n: int, first: date, days: int) -> np.ndarray:
    return np.datetime64(first) + rng.integers(0, days, n).astype("timedelta64[D]")


def _birth(age: np.ndarray, year: int, rng: np.random.Generator) -> np.ndarray:
    reference = np.datetime64(date(year, 12, 31))
    return reference - (age * 365.25 + rng.integers(0, 365, len(age))).astype("timedelta64[D]")


@dataclass
class Records:
    """Record-level rows of one register (column name → values)."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def to_arrow(self) -> pa.Table:
        """As an Arrow table."""
        return pa.table({k: pa.array(v) for k, v in self.columns.items()})


def wmo_records(pop: Population, gemeente: Area, year: int, rng: np.random.Generator) -> Records:
    """Wmo voorzieningen: clients ≈ a_wmo_t per buurt, 1-3 voorzieningen each, start/end dates."""
    weight = np.where(
        pop.age >= 75, 12.0, np.where(pop.age >= 65, 4.0, np.where(pop.age >= 18, 1.0, 0.2))
    )
    clients = _choose(pop, pop.expected(calibrated(gemeente, "a_wmo_t")), weight, rng)
    n_kinds = 1 + (rng.random(len(clients)) < 0.35) + (rng.random(len(clients)) < 0.08)
    idx = np.repeat(clients, n_kinds)
    kinds = rng.choice(len(WMO_KINDS), size=len(idx), p=WMO_SHARES)
    start = _dates(rng, len(idx), date(year - 3, 1, 1), 365 * 4 - 10)
    duration = rng.integers(30, 1500, len(idx)).astype("timedelta64[D]")
    end = start + duration
    open_ended = rng.random(len(idx)) < 0.55
    return Records(
        {
            "i": idx,
            "voorziening": np.array(WMO_KINDS)[kinds],
            "start": start,
            "einde": np.where(open_ended, np.datetime64("NaT"), end),
            "bijdrage": np.round(rng.choice([0.0, 21.6, 21.6, 19.0, 0.0], len(idx)), 2),
        }
    )


def youth_records(pop: Population, gemeente: Area, year: int, rng: np.random.Generator) -> Records:
    """Jeugdhulp trajectories: youths ≈ a_jz_tn per buurt, 1-2 trajectories each."""
    weight = np.where(pop.age < 18, 1.0 + (pop.age >= 12), 0.0)
    youths = _choose(pop, pop.expected(calibrated(gemeente, "a_jz_tn")), weight, rng)
    n = 1 + (rng.random(len(youths)) < 0.25)
    idx = np.repeat(youths, n)
    kinds = rng.choice(len(YOUTH_KINDS), size=len(idx), p=YOUTH_SHARES)
    start = _dates(rng, len(idx), date(year - 1, 7, 1), 540)
    end = start + rng.integers(20, 700, len(idx)).astype("timedelta64[D]")
    return Records(
        {
            "i": idx,
            "hulpvorm": np.array(YOUTH_KINDS)[kinds],
            "start": start,
            "einde": np.where(rng.random(len(idx)) < 0.3, np.datetime64("NaT"), end),
        }
    )


def benefit_records(
    pop: Population, gemeente: Area, year: int, rng: np.random.Generator
) -> Records:
    """Bijstand: recipients ≈ a_soz_wb per buurt (adults below AOW age), one benefit each."""
    weight = np.where((pop.age >= 18) & (pop.age < 67), 1.0, 0.0)
    people = _choose(pop, pop.expected(calibrated(gemeente, "a_soz_wb")), weight, rng)
    kinds = rng.choice(len(BENEFIT_KINDS), size=len(people), p=(0.55, 0.2, 0.25))
    start = _dates(rng, len(people), date(year - 6, 1, 1), 365 * 7)
    end = start + rng.integers(60, 3000, len(people)).astype("timedelta64[D]")
    return Records(
        {
            "i": people,
            "regeling": np.array(BENEFIT_KINDS)[kinds],
            "start": start,
            "einde": np.where(rng.random(len(people)) < 0.6, np.datetime64("NaT"), end),
        }
    )


def arrears_records(
    pop: Population, gemeente: Area, year: int, rng: np.random.Generator
) -> Records:
    """Payment-arrears signals per household: creditor type, daily date, amount in euros."""
    rows = _kwb_rows(gemeente)
    expected = {
        b: float(r["a_hh"] or 0) * 0.06 * float(r["p_hh_li"] or 40.0) / 40.0
        for b, r in rows.items()
        if b.startswith("BU")
    }
    # one representative (the first adult) per household
    first = np.r_[True, pop.household[1:] != pop.household[:-1]]
    weight = np.where(first, 1.0, 0.0)
    heads = _choose(pop, pop.expected(expected), weight, rng)
    n = 1 + rng.poisson(0.8, len(heads))
    idx = np.repeat(heads, n)
    kinds = rng.choice(len(CREDITORS), size=len(idx), p=CREDITOR_SHARES)
    mean = np.array(CREDITOR_MEAN_EUR)[kinds]
    amount = np.round(rng.lognormal(np.log(mean) - 0.32, 0.8), 2)
    return Records(
        {
            "i": idx,
            "schuldeiser": np.array(CREDITORS)[kinds],
            "start": _dates(rng, len(idx), date(year, 1, 1), 366 if year % 4 == 0 else 365),
            "bedrag": amount,
        }
    )


# -- writing with the quirks of real exports ------------------------------------------------


def _postcode_variants(pc6: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``1234 AB``, ``1234ab`` or ``1234AB``, as exports mix them."""
    codes = pc6.astype(str)
    spaced = np.char.add(
        np.char.add(np.char.ljust(codes, 4).astype("U4"), " "), np.char.lstrip(codes, "0123456789")
    )
    style = rng.integers(0, 3, len(codes))
    return np.where(style == 0, spaced, np.where(style == 1, np.char.lower(codes), codes))


def _fmt_dates(values: np.ndarray, pattern: str) -> list[str]:
    out = []
    for v in values:
        if np.isnat(v):
            out.append("")
        else:
            out.append(v.astype(date).strftime(pattern))
    return out


def _decimal_comma(values: np.ndarray) -> list[str]:
    return [f"{v:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") for v in values]


def _with_duplicates(
    rows: list[list[object]], rng: np.random.Generator, share: float = 0.02
) -> list[list[object]]:
    out: list[list[object]] = []
    for row in rows:
        out.append(row)
        if rng.random() < share:
            out.append(list(row))
    return out


def _write_csv(
    path: Path, header: list[str], rows: list[list[object]], *, encoding: str, delimiter: str
) -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)


def write_lookup(pop: Population, path: Path) -> Path:
    """The partner's PC6 → buurtcode table (``postcode;buurtcode``, UTF-8)."""
    _write_csv(
        path,
        ["postcode", "buurtcode"],
        [[pc6, b] for pc6, b in sorted(pop.lookup.items())],
        encoding="utf-8",
        delimiter=";",
    )
    return path


def write_wmo(pop: Population, rec: Records, path: Path, rng: np.random.Generator) -> int:
    """Wmo export: cp1252, ``;``, dd-mm-jjjj, decimal comma, mixed postcodes, gaps, duplicates."""
    i = rec.columns["i"]
    postcode = _postcode_variants(pop.pc6[i], rng)
    missing = rng.random(len(i)) < 0.01
    postcode = np.where(missing, "", postcode)
    start = _fmt_dates(rec.columns["start"], "%d-%m-%Y")
    bad_date = np.flatnonzero(rng.random(len(i)) < 0.003)
    for j in bad_date:
        start[j] = f"31-02-{start[j][-4:]}" if start[j] else start[j]
    rows = [
        [
            f"{pop.person[k]:09d}",
            f"HH{pop.household[k]:08d}",
            f"{birth}",
            pc,
            int(pop.number[k]),
            kind,
            s,
            e,
            b,
        ]
        for k, birth, pc, kind, s, e, b in zip(
            i,
            _fmt_dates(_birth(pop.age[i], 2024, rng), "%d-%m-%Y"),
            postcode,
            rec.columns["voorziening"],
            start,
            _fmt_dates(rec.columns["einde"], "%d-%m-%Y"),
            _decimal_comma(rec.columns["bijdrage"]),
            strict=True,
        )
    ]
    rows = _with_duplicates(rows, rng)
    _write_csv(
        path,
        [
            "clientnr",
            "huishoudnr",
            "geboortedatum",
            "postcode",
            "huisnummer",
            "voorziening",
            "startdatum",
            "einddatum",
            "eigen_bijdrage",
        ],
        rows,
        encoding="cp1252",
        delimiter=";",
    )
    return len(rows)


def write_youth(pop: Population, rec: Records, path: Path, rng: np.random.Generator) -> int:
    """Jeugdhulp export as XLSX: buurtcodes with and without ``BU``, a few unknown or missing."""
    from openpyxl import Workbook

    i = rec.columns["i"]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Trajecten")
    sheet.append(
        ["bsn", "huishouden", "geboortedatum", "buurtcode", "hulpvorm", "begindatum", "einddatum"]
    )
    births = _birth(pop.age[i], 2024, rng)
    count = 0
    for j, k in enumerate(i):
        code = str(pop.buurt[k])
        r = rng.random()
        if r < 0.3:
            code = code[2:]  # systems that store the digits only
        elif r < 0.35:
            code = code.lower()
        elif r < 0.36:
            code = ""
        elif r < 0.365:
            code = "BU99999999"
        start = rec.columns["start"][j]
        end = rec.columns["einde"][j]
        row = [
            int(pop.person[k]),
            f"HH{pop.household[k]:08d}",
            births[j].astype(date),
            code,
            str(rec.columns["hulpvorm"][j]),
            start.astype(date),
            None if np.isnat(end) else end.astype(date).isoformat(),
        ]
        sheet.append(row)
        count += 1
        if rng.random() < 0.01:
            sheet.append(row)
            count += 1
    book.save(path)
    return count


def write_benefits(pop: Population, rec: Records, path: Path, rng: np.random.Generator) -> int:
    """Bijstand export as typed Parquet (int ids, real dates, nullable end dates)."""
    i = rec.columns["i"]
    table = pa.table(
        {
            "bsn": pa.array(pop.person[i], pa.int64()),
            "huishoudnr": pa.array([f"HH{h:08d}" for h in pop.household[i]]),
            "postcode": pa.array([str(p) for p in pop.pc6[i]]),
            "huisnummer": pa.array(pop.number[i], pa.int32()),
            "regeling": pa.array(rec.columns["regeling"].astype(str)),
            "ingangsdatum": pa.array(rec.columns["start"].astype("datetime64[D]"), pa.date32()),
            "einddatum": pa.array(rec.columns["einde"].astype("datetime64[D]"), pa.date32()),
        }
    )
    pq.write_table(table, path)
    return int(table.num_rows)


def write_arrears(pop: Population, rec: Records, path: Path, rng: np.random.Generator) -> int:
    """Schuldsignalen: UTF-8, ``;``, dates ``jjjjmmdd``, amounts ``1.234,56``, house-number suffixes."""
    i = rec.columns["i"]
    postcode = _postcode_variants(pop.pc6[i], rng)
    suffix = np.where(rng.random(len(i)) < 0.1, "a", "")
    rows = [
        [f"S{j:07d}", f"HH{pop.household[k]:08d}", pc, f"{pop.number[k]}{sfx}", kind, s, amt]
        for j, (k, pc, sfx, kind, s, amt) in enumerate(
            zip(
                i,
                postcode,
                suffix,
                rec.columns["schuldeiser"],
                _fmt_dates(rec.columns["start"], "%Y%m%d"),
                _decimal_comma(rec.columns["bedrag"]),
                strict=True,
            )
        )
    ]
    for j in np.flatnonzero(rng.random(len(rows)) < 0.005):
        rows[j][1] = ""  # missing household number
    rows = _with_duplicates(rows, rng, 0.01)
    _write_csv(
        path,
        [
            "signaalnr",
            "huishoudnr",
            "postcode",
            "huisnummer",
            "schuldeiser",
            "signaaldatum",
            "achterstand",
        ],
        rows,
        encoding="utf-8",
        delimiter=";",
    )
    return len(rows)


# -- demo specs -----------------------------------------------------------------------------


def demo_spec(gemeente: str = "GM0505", year: int = 2024, register: str = "wmo") -> str:
    """The delivery spec (YAML) for a generated extract (examples/bron/ holds them for GM0505)."""
    head = f"gemeente: {gemeente}\nindelingsjaar: 2023\nprofiel: cbs-zorg\n"
    if register == "wmo":
        return f"""# Wmo-cliënten per buurt, naar voorziening en leeftijd (synthetische demo-export).
dataset: wmo
bron: Wmo-team gemeente (demo)
{head}bestanden:
  - pad: wmo_export.csv
    scheidingsteken: ";"
    tekenset: cp1252
eenheid: personen
sleutels:
  persoon: clientnr
  huishouden: huishoudnr
regio:
  postcode: postcode
  koppeltabel: postcode_buurt.csv
periode:
  soort: gedurende
  begin: startdatum
  einde: einddatum
  formaat: "%d-%m-%Y"
  jaar: {year}
dimensies:
  - naam: voorziening
    kolom: voorziening
    meerdere_per_eenheid: true
    waarden:
      Hulp bij het huishouden: hulp bij het huishouden
      Begeleiding individueel: begeleiding
      Dagbesteding: begeleiding
      Hulpmiddelen: hulpmiddelen
      Woonvoorziening – traplift: woonvoorziening
      Vervoer (regiotaxi): vervoer
  - naam: leeftijd
    kolom: geboortedatum
    soort: leeftijd
    klassen: [0, 65, 75]
tabellen:
  - naam: voorzieningen
    titel: Wmo-cliënten naar voorziening
    dimensies: [voorziening]
    richting: hoger_is_slechter
  - naam: leeftijd
    titel: Wmo-cliënten naar leeftijd
    dimensies: [leeftijd]
    richting: hoger_is_slechter
"""
    if register == "jeugdhulp":
        return f"""# Jongeren met jeugdhulp per buurt, naar hulpvorm (synthetische XLSX-export).
dataset: jeugdhulp
bron: Jeugdhulpregio (demo)
{head}bestanden:
  - pad: jeugdhulp.xlsx
    blad: Trajecten
eenheid: personen
sleutels:
  persoon: bsn
  huishouden: huishouden
regio:
  buurtcode: buurtcode
periode:
  soort: gedurende
  begin: begindatum
  einde: einddatum
  formaat: "%Y-%m-%d"
  jaar: {year}
dimensies:
  - naam: hulpvorm
    kolom: hulpvorm
    meerdere_per_eenheid: true
tabellen:
  - naam: jongeren
    titel: Jongeren met jeugdhulp naar hulpvorm
    dimensies: [hulpvorm]
    richting: hoger_is_slechter
  - naam: huishoudens
    titel: Huishoudens met jeugdhulp
    eenheid: huishoudens
    richting: hoger_is_slechter
"""
    if register == "bijstand":
        return f"""# Personen met bijstand op peildatum per kwartaal (synthetische Parquet-export).
dataset: bijstand
bron: Team Werk en Inkomen (demo)
{head}bestanden:
  - pad: bijstand.parquet
eenheid: personen
sleutels:
  persoon: bsn
  huishouden: huishoudnr
regio:
  postcode: postcode
  koppeltabel:
    pad: postcode_buurt.csv
    scheidingsteken: ";"
periode:
  soort: peildatum
  begin: ingangsdatum
  einde: einddatum
  per: kwartaal
  van: {year}-01-01
  tot: {year}-12-31
tabellen:
  - naam: personen
    titel: Personen met bijstand (peildatum einde kwartaal)
    richting: hoger_is_slechter
"""
    if register == "schuldsignalen":
        return f"""# Huishoudens met betalingsachterstanden per schuldeiser (synthetische vroegsignalen).
dataset: schuldsignalen
bron: Vroegsignalering schulden (demo)
{head}bestanden:
  - pad: schuldsignalen.csv
eenheid: huishoudens
sleutels:
  huishouden: huishoudnr
decimaalteken: ","
regio:
  postcode: postcode
  koppeltabel: postcode_buurt.csv
periode:
  soort: gedurende
  begin: signaaldatum
  formaat: "%Y%m%d"
  jaar: {year}
dimensies:
  - naam: schuldeiser
    kolom: schuldeiser
    meerdere_per_eenheid: true
tabellen:
  - naam: huishoudens
    titel: Huishoudens met een betalingsachterstand naar schuldeiser
    dimensies: [schuldeiser]
    richting: hoger_is_slechter
  - naam: achterstand
    titel: Som van de achterstanden naar schuldeiser (euro)
    maat: som
    kolom: achterstand
    dimensies: [schuldeiser]
    richting: hoger_is_slechter
"""
    raise ValueError(f"unknown register {register!r}; choose from {REGISTERS}")


SPEC_FILES = {r: f"{r}.yaml" for r in REGISTERS}


@dataclass
class Generated:
    """What :func:`generate` wrote."""

    folder: Path
    lookup: Path
    extracts: dict[str, Path]
    specs: dict[str, Path]
    rows: dict[str, int]
    persons: int


def generate(
    folder: Path,
    *,
    gemeente: str = "GM0505",
    seed: int = 2024,
    year: int = 2024,
    registers: tuple[str, ...] = REGISTERS,
    scale: float = 1.0,
) -> Generated:
    """Write the synthetic extracts, the PC6 table and a spec per register into ``folder``."""
    unknown = [r for r in registers if r not in REGISTERS]
    if unknown:
        raise ValueError(f"unknown register {unknown[0]!r}; choose from {REGISTERS}")
    folder.mkdir(parents=True, exist_ok=True)
    pop = synthetic_population(gemeente, seed=seed, scale=scale)
    lookup = write_lookup(pop, folder / "postcode_buurt.csv")
    extracts: dict[str, Path] = {}
    specs: dict[str, Path] = {}
    rows: dict[str, int] = {}
    makers = {
        "wmo": (wmo_records, write_wmo, "wmo_export.csv"),
        "jeugdhulp": (youth_records, write_youth, "jeugdhulp.xlsx"),
        "bijstand": (benefit_records, write_benefits, "bijstand.parquet"),
        "schuldsignalen": (arrears_records, write_arrears, "schuldsignalen.csv"),
    }
    for register in registers:
        rng = np.random.default_rng([seed, REGISTERS.index(register) + 1])
        make, write, name = makers[register]
        rec = make(pop, gemeente, year, rng)
        extracts[register] = folder / name
        rows[register] = write(pop, rec, extracts[register], rng)
        specs[register] = folder / SPEC_FILES[register]
        specs[register].write_text(demo_spec(gemeente, year, register), encoding="utf-8")
    return Generated(folder, lookup, extracts, specs, rows, len(pop))


@dataclass(frozen=True)
class Extract:
    """Paths of a generated Wmo extract and its postcode table (compatibility)."""

    records: Path
    lookup: Path
    rows: int
    persons: int


def generate_wmo(
    folder: Path, *, gemeente: str = "GM0505", seed: int = 2024, year: int = 2024
) -> Extract:
    """Write only the Wmo extract (``wmo_export.csv``) and ``postcode_buurt.csv``."""
    out = generate(folder, gemeente=gemeente, seed=seed, year=year, registers=("wmo",))
    (folder / "wmo.yaml").unlink(missing_ok=True)
    return Extract(out.extracts["wmo"], out.lookup, out.rows["wmo"], out.persons)


def kwb_gemeenten() -> list[str]:
    """Gemeente codes in the bundled KWB."""
    codes = pq.read_table(KWB, columns=["gwb_code_10"])["gwb_code_10"]
    return [str(c) for c in pc.filter(codes, pc.starts_with(codes, "GM")).to_pylist()]
