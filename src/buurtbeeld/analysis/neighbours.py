"""Queen contiguity between regions, from their boundary polygons (libpysal).

Two regions are neighbours when their polygons share at least one vertex (queen contiguity).
The bundled boundaries are simplified as a coverage (neighbours keep their shared vertices), so
the vertex test of libpysal is exact for them. A region without a polygon has no neighbours and
is never part of the graph; a region whose polygon touches none of the others (an island, or a
buurt surrounded by buurten that are left out) is an *isolate*: it cannot be tested.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import geopandas as gpd
import shapely
from libpysal.graph import Graph


@dataclass(frozen=True)
class Neighbours:
    """The contiguity graph of ``codes`` (those with a polygon), and who has no neighbour."""

    graph: Graph | None  # None when fewer than two regions are connected
    codes: tuple[str, ...]  # the connected regions, in the graph's order
    isolates: tuple[str, ...]  # regions with a polygon but no neighbour among the others


def queen_graph(geometries: dict[str, str]) -> Graph | None:
    """The binary queen contiguity graph of GeoJSON geometry texts (code → geometry)."""
    if len(geometries) < 2:
        return None
    codes = list(geometries)
    shapes = shapely.from_geojson([geometries[c] for c in codes])
    frame = gpd.GeoDataFrame(geometry=shapes, index=codes)
    with warnings.catch_warnings():  # libpysal warns about isolates; we report them ourselves
        warnings.simplefilter("ignore")
        return Graph.build_contiguity(frame, rook=False, strict=False)


def restrict(graph: Graph | None, codes: list[str]) -> Neighbours:
    """The graph among ``codes`` only (the regions that take part), with its isolates removed.

    Leaving a region out (hidden figure, no figure) removes its links too: its neighbours may
    become isolates. Removing isolates never makes new ones.
    """
    known = set(graph.unique_ids) if graph is not None else set()
    inside = [c for c in codes if c in known]
    if graph is None or len(inside) < 2:
        return Neighbours(None, (), tuple(inside))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sub = graph.subgraph(inside)
        isolated = set(sub.isolates)
        connected = [c for c in inside if c not in isolated]
        if len(connected) < 2:
            return Neighbours(None, (), tuple(inside))
        if isolated:
            sub = sub.subgraph(connected)
    return Neighbours(sub, tuple(connected), tuple(c for c in inside if c in isolated))
