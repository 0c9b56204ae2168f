"""The bundled water layer of the map: coast, lake shores, rivers and canals of NL (issue 13).

``data/geo/water_gshhg_nl.geojson`` is GSHHG 2.3.7 (Wessel & Smith, LGPL-3+, Debian
``gmt-gshhg-full``) clipped to the Netherlands by ``scripts/build_water_layer.py``: lines only,
properties ``soort`` (kust, meer, rivier, kanaal) and ``klasse``. Read as text: the map loads it
as it is, only when the visitor switches the layer on. No main roads: no open road data at a
usable scale installs from a package registry (docs/architecture.md).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

WATER_FILE = Path(__file__).resolve().parents[1] / "data" / "geo" / "water_gshhg_nl.geojson"
WATER_SOURCE = "Water: GSHHG 2.3.7 (Wessel & Smith, LGPL)"


@cache
def water_geojson() -> str:
    """The water layer as GeoJSON text (one string object: its compressed form is cached)."""
    return WATER_FILE.read_text(encoding="utf-8")
