"""Sub-pixel regions drawn as part of a neighbour of the same colour class, at national zoom.

At zoom 6 a pixel is about 1.5 km wide and half of the buurten are smaller than one: MapLibre
decodes, tessellates and draws each of them in every frame (software WebGL on this project's
machine) for a pixel or none (docs/benchmarks.md, issue 13 item 5). Dropping them left holes in
the cities; merging each into the neighbour with the longest shared border paled the dense city
buurten, whose larger neighbours (parks, business areas, outskirts) are usually lighter or have
no figure. Here a small polygon is merged only into a neighbour that the map draws alike — the
same status and class colour of the indicator shown, so hidden figures (hatching) only into
hidden, "no figure" only into "no figure" — and the picture at national zoom stays the exact one
wherever a pixel can show it. Small polygons of one class that border each other are merged
together into the large neighbour of that class with which they share the longest border, or
with none into the largest of them; a small polygon without a neighbour of its class stays as
it is (no holes).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass(frozen=True)
class Borders:
    """Which polygons are small at one zoom level, and the borders each small one shares.

    ``a[k]`` (small) shares a border of length ``length[k]`` with ``b[k]`` (small or not);
    the same for every map view.
    """

    small: np.ndarray
    area: np.ndarray
    a: np.ndarray
    b: np.ndarray
    length: np.ndarray


class Adjacency:
    """The shared borders of polygons with their neighbours, each polygon's when first needed
    (not thread-safe: the caller holds its lock). The polygons small at a zoom level are also
    small at every lower one, so zooming out adds only the newly small ones' borders."""

    def __init__(self, geometries: np.ndarray) -> None:
        self._geometries = geometries
        self._tree = shapely.STRtree(geometries)
        self.area = shapely.area(geometries)
        self._done = np.zeros(len(geometries), dtype=bool)
        self._a = self._b = np.zeros(0, dtype=np.int64)
        self._length = np.zeros(0)

    def borders(self, min_area: float) -> Borders:
        """The :class:`Borders` of the polygons smaller than ``min_area``; touching in a
        point, or a gap between neighbours, is no shared border."""
        small = self.area < min_area
        todo = np.flatnonzero(small & ~self._done)
        if len(todo):
            hits, b = self._tree.query(self._geometries[todo], predicate="intersects")
            a = todo[hits]
            a, b = a[a != b], b[a != b]
            length = shapely.length(
                shapely.intersection(
                    shapely.boundary(self._geometries[a]), shapely.boundary(self._geometries[b])
                )
            )
            shared = length > 0
            self._a = np.r_[self._a, a[shared]]
            self._b = np.r_[self._b, b[shared]]
            self._length = np.r_[self._length, length[shared]]
            self._done[todo] = True
        keep = small[self._a]
        return Borders(small, self.area, self._a[keep], self._b[keep], self._length[keep])


def borders(geometries: np.ndarray, min_area: float) -> Borders:
    """The :class:`Borders` of polygons smaller than ``min_area`` (:class:`Adjacency`)."""
    return Adjacency(geometries).borders(min_area)


def merge_targets(found: Borders, classes: Sequence[Hashable]) -> np.ndarray:
    """Per polygon the index of the polygon it is drawn as part of (its own when it stays).

    ``classes``: per polygon what the map draws it with (status and colour of the view).
    Small polygons of one class connected by shared borders form a group; a group goes to the
    large polygon of its class with which it shares the longest border (ties: the lowest index)
    or, with none, to its own largest member. A small polygon without a neighbour of its class
    stays as it is.
    """
    n = len(found.small)
    numbered: dict[Hashable, int] = {}
    codes = np.array([numbered.setdefault(c, len(numbered)) for c in classes], dtype=np.int64)
    same = codes[found.a] == codes[found.b]
    a, b, length = found.a[same], found.b[same], found.length[same]
    into_small = found.small[b]
    link = coo_matrix((np.ones(into_small.sum()), (a[into_small], b[into_small])), shape=(n, n))
    _, group = connected_components(link, directed=False)
    group_of, target, total = group[a[~into_small]], b[~into_small], length[~into_small]
    pairs, inverse = np.unique(np.c_[group_of, target], axis=0, return_inverse=True)
    sums = np.bincount(inverse.ravel(), weights=total, minlength=len(pairs))
    order = np.lexsort((pairs[:, 1], -sums, pairs[:, 0]))  # per group: longest, then lowest
    first = order[_starts(pairs[order, 0])]
    chosen = np.full(n, -1)
    chosen[pairs[first, 0]] = pairs[first, 1]
    # a group without a large neighbour of its class: into its largest member
    alone = np.flatnonzero(found.small & (chosen[group] < 0))
    alone = alone[np.lexsort((alone, -found.area[alone], group[alone]))]
    head = alone[_starts(group[alone])]
    chosen[group[head]] = head
    out = np.arange(n)
    merged = found.small & (chosen[group] >= 0)
    out[merged] = chosen[group[merged]]
    return out


def _starts(keys: np.ndarray) -> np.ndarray:
    """Where each run of equal values in ``keys`` starts (a mask; empty for no keys)."""
    return np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, dtype=bool)


def merged_geometries(geometries: np.ndarray, targets: np.ndarray) -> dict[int, object]:
    """The union of each target polygon with the polygons drawn as part of it, by index."""
    members = np.flatnonzero(targets != np.arange(len(targets)))
    members = members[np.argsort(targets[members], kind="stable")]
    into = targets[members]
    bounds: list[int] = []
    if len(into):
        bounds = np.flatnonzero(np.r_[True, into[1:] != into[:-1], True]).tolist()
    out: dict[int, object] = {}
    for start, end in itertools.pairwise(bounds):
        target = int(into[start])
        parts = np.r_[geometries[target : target + 1], geometries[members[start:end]]]
        out[target] = shapely.union_all(parts)
    return out


@dataclass(frozen=True)
class MergedView:
    """Small polygons merged for one map view at one zoom level: per polygon the one it is
    drawn as part of (``targets``), whether it is drawn differently from the plain tiles
    (``redrawn``: merged away, or a target with others in it) and, for the targets, the
    simplified union (``geometries``, ``None`` elsewhere)."""

    targets: np.ndarray
    redrawn: np.ndarray
    geometries: np.ndarray


def merged_view(
    geometries: np.ndarray, found: Borders, classes: Sequence[Hashable], tolerance: float
) -> MergedView:
    """The :class:`MergedView` of ``geometries`` for ``classes``, simplified to ``tolerance``
    after the union (so that neighbours' borders vanish inside, not as slivers)."""
    targets = merge_targets(found, classes)
    redrawn = targets != np.arange(len(targets))
    out = np.full(len(targets), None, dtype=object)
    for index, union in merged_geometries(geometries, targets).items():
        out[index] = shapely.simplify(union, tolerance)
        redrawn[index] = True
    return MergedView(targets, redrawn, out)
