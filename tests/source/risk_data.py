"""Helpers for the risk-factor tests: a synthetic research table with known effects, written."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from buurtbeeld.source.riskfactors_spec import RiskSpec, load_risk_spec
from buurtbeeld.source.synthetic import synthetic_population
from buurtbeeld.source.synthetic_risk import research_table, risk_spec

SEED_SECRET = "0" * 64


def write_research(
    folder: Path,
    *,
    seed: int = 7,
    scale: float = 0.25,
    table: pa.Table | None = None,
    spec_text: str | None = None,
) -> tuple[Path, pa.Table]:
    """Write ``kinderen.parquet``, ``risicofactoren.yaml`` and a fixed rounding seed."""
    folder.mkdir(parents=True, exist_ok=True)
    if table is None:
        table = research_table(synthetic_population("GM0505", seed=seed, scale=scale), seed=seed)
    pq.write_table(table, folder / "kinderen.parquet")
    spec = folder / "risicofactoren.yaml"
    spec.write_text(spec_text or risk_spec("GM0505"), encoding="utf-8")
    (folder / ".buurtbeeld-zaad").write_text(SEED_SECRET + "\n", encoding="ascii")
    return spec, table


def load(folder: Path) -> RiskSpec:
    """The spec written by :func:`write_research`."""
    return load_risk_spec(folder / "risicofactoren.yaml")
