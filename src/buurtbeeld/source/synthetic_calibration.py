"""The KWB 2023 counts the synthetic population and registers are calibrated to, per buurt.

Where CBS hid a buurt value, the wijk's remainder (wijk minus the known buurten) is spread over
the hidden buurten by inhabitants; where the wijk is hidden too, the gemeente's remainder.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

KWB = Path(__file__).resolve().parents[1] / "data" / "cbs" / "kwb2023.parquet"

Area = str | list[str] | tuple[str, ...]
"""A gemeente code, several, or ``NL00`` for the whole country."""


def kwb_rows(gemeente: Area) -> dict[str, dict[str, float | None]]:
    """The KWB 2023 rows (gemeente, wijken, buurten) of ``gemeente`` by region code."""
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
    rows = kwb_rows(gemeente)
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


def kwb_gemeenten() -> list[str]:
    """Gemeente codes in the bundled KWB."""
    codes = pq.read_table(KWB, columns=["gwb_code_10"])["gwb_code_10"]
    return [str(c) for c in pc.filter(codes, pc.starts_with(codes, "GM")).to_pylist()]
