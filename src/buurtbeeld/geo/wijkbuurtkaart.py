"""Read CBS's "Wijk- en buurtkaart" as a user downloads it: a GeoPackage of any year.

CBS/Kadaster publish the map every year (``wijkenbuurten_2023_v1.gpkg``) with the layers
``gemeenten``, ``wijken`` and ``buurten``, the code columns ``gemeentecode``, ``wijkcode`` and
``buurtcode`` and a column ``water`` (``JA`` for the parts that are only water: lakes and sea,
which a map of figures leaves out), in RD New (EPSG:28992). Older editions spell the columns
``GM_CODE``/``WK_CODE``/``BU_CODE`` and ``WATER``; both are accepted, case-insensitively.

The polygons are simplified exactly like the bundled layers (:func:`simplify_for_web`) and
returned as ``(code, GeoJSON, bbox)`` rows per level, ready for the workspace's boundary table.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import pyogrio
import pyogrio.errors
import shapely

from buurtbeeld.errors import BoundaryFileError
from buurtbeeld.geo.boundaries import (
    RD_NEW,
    TOLERANCE_M,
    GeometryRow,
    geometry_rows,
    simplify_for_web,
)
from buurtbeeld.geo.codes import RegionLevel, is_region_code

# Layer name prefixes and code columns per level, as CBS spells them (new, then old editions).
LAYER_PREFIXES = {
    RegionLevel.GEMEENTE: ("gemeente", "gem_"),
    RegionLevel.WIJK: ("wijk", "wk_"),
    RegionLevel.BUURT: ("buurt", "bu_"),
}
CODE_COLUMNS = {
    RegionLevel.GEMEENTE: ("gemeentecode", "gm_code"),
    RegionLevel.WIJK: ("wijkcode", "wk_code"),
    RegionLevel.BUURT: ("buurtcode", "bu_code"),
}
NAME_COLUMNS = {
    RegionLevel.GEMEENTE: ("gemeentenaam", "gm_naam"),
    RegionLevel.WIJK: ("wijknaam", "wk_naam"),
    RegionLevel.BUURT: ("buurtnaam", "bu_naam"),
}
WATER_COLUMN = "water"
FIRST_YEAR = 2003  # the first CBS wijk- en buurtkaart
SQLITE_HEADER = b"SQLite format 3\x00"
GPKG_IDS = (b"GPKG", b"GP10", b"GP11")
# RD New's valid area (metres): used only when a layer carries no coordinate system.
RD_BOUNDS = (-7000.0, 289000.0, 300000.0, 629000.0)
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


@dataclass(frozen=True)
class BoundaryLayer:
    """The simplified polygons of one level of a wijk- en buurtkaart."""

    level: RegionLevel
    layer_name: str
    rows: list[GeometryRow]
    water_skipped: int
    empty_skipped: int
    names: dict[str, str]  # code → name, as CBS spells it in the kaart (when it has names)


@dataclass(frozen=True)
class BoundaryFile:
    """A wijk- en buurtkaart read, validated and simplified for the web."""

    file_name: str
    year: int
    layers: list[BoundaryLayer]


def year_from_name(name: str) -> int | None:
    """The boundary year in a CBS file name (``wijkenbuurten_2023_v1.gpkg`` → 2023), or None.

    >>> year_from_name("wijkenbuurten_2023_v1.gpkg"), year_from_name("kaart.gpkg")
    (2023, None)
    """
    years = set(_YEAR.findall(name))
    return int(years.pop()) if len(years) == 1 else None


def _check_year(year: int, name: str) -> int:
    if not FIRST_YEAR <= year <= date.today().year + 1:
        raise BoundaryFileError(
            f"Jaar {year} past niet bij een wijk- en buurtkaart ({name}).",
            code="BB-GEO-015",
            hint=f"Geef het jaar van de kaart met --jaar (CBS publiceert kaarten sinds {FIRST_YEAR}).",
        )
    return year


def _dataset(path: Path) -> str:
    """The GDAL path of the GeoPackage (inside a CBS zip file when a zip is given)."""
    if not path.exists():
        raise BoundaryFileError(
            f"Bestand '{path}' bestaat niet.",
            code="BB-GEO-011",
            hint="Controleer pad en naam van de GeoPackage.",
        )
    if path.is_dir():
        raise BoundaryFileError(
            f"'{path}' is een map, geen bestand.",
            code="BB-GEO-011",
            hint="Geef het .gpkg-bestand van de wijk- en buurtkaart op, niet de map waarin het staat.",
        )
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".gpkg")]
        if len(members) != 1:
            raise BoundaryFileError(
                f"'{path.name}' is een zip-bestand met {len(members)} GeoPackages; verwacht is er één.",
                code="BB-GEO-012",
                hint="Pak het zip-bestand uit en geef het .gpkg-bestand van de kaart op.",
            )
        return f"/vsizip/{path.resolve()}/{members[0]}"
    with path.open("rb") as handle:
        header = handle.read(72)
    # A GeoPackage is an SQLite file with application id "GPKG" (1.2+) or "GP10"/"GP11".
    if header[: len(SQLITE_HEADER)] != SQLITE_HEADER or header[68:72] not in GPKG_IDS:
        raise BoundaryFileError(
            f"'{path.name}' is geen GeoPackage.",
            code="BB-GEO-012",
            hint="Download de wijk- en buurtkaart als GeoPackage (.gpkg) van CBS of PDOK.",
        )
    return str(path)


def _layers(dataset: str, name: str) -> dict[RegionLevel, str]:
    try:
        names = [str(n) for n, _ in pyogrio.list_layers(dataset)]
    except (pyogrio.errors.DataSourceError, OSError) as err:
        raise BoundaryFileError(
            f"'{name}' is geen leesbare GeoPackage.",
            code="BB-GEO-012",
            hint="Download het bestand opnieuw; het is beschadigd of onvolledig.",
        ) from err
    found: dict[RegionLevel, str] = {}
    for level, prefixes in LAYER_PREFIXES.items():
        matches = [n for n in names if n.lower().startswith(prefixes)]
        if matches:
            found[level] = sorted(matches, key=len)[0]
    if not found:
        raise BoundaryFileError(
            f"'{name}' heeft geen laag 'gemeenten', 'wijken' of 'buurten' "
            f"(wel: {', '.join(names) or 'geen lagen'}).",
            code="BB-GEO-013",
            hint="Gebruik de wijk- en buurtkaart van CBS; andere kaarten kent Buurtbeeld niet.",
        )
    return found


def _column(fields: list[str], wanted: tuple[str, ...]) -> str | None:
    lower = {f.lower(): f for f in fields}
    return next((lower[w] for w in wanted if w in lower), None)


def _read_layer(
    dataset: str, name: str, level: RegionLevel, layer: str
) -> tuple[gpd.GeoDataFrame, int, int, dict[str, str]]:
    fields = [str(f) for f in pyogrio.read_info(dataset, layer=layer)["fields"]]
    code_column = _column(fields, CODE_COLUMNS[level])
    if code_column is None:
        raise BoundaryFileError(
            f"Laag '{layer}' van '{name}' heeft geen kolom {' of '.join(CODE_COLUMNS[level])}.",
            code="BB-GEO-014",
            hint="Gebruik de wijk- en buurtkaart van CBS met de oorspronkelijke kolomnamen.",
        )
    water_column = _column(fields, (WATER_COLUMN,))
    name_column = _column(fields, NAME_COLUMNS[level])
    columns = [code_column] + [c for c in (water_column, name_column) if c]
    frame = pyogrio.read_dataframe(dataset, layer=layer, columns=columns)
    water = 0
    if water_column:
        is_water = frame[water_column].astype("string").str.strip().str.upper().eq("JA")
        is_water = is_water.fillna(False).astype(bool)
        water = int(is_water.sum())
        frame = frame[~is_water]
    empty = frame.geometry.isna() | frame.geometry.is_empty
    frame = frame[~empty]
    codes = frame[code_column].astype("string").str.strip().str.upper()
    prefix = {RegionLevel.GEMEENTE: "GM", RegionLevel.WIJK: "WK", RegionLevel.BUURT: "BU"}[level]
    bad = sorted(
        {str(c) for c in codes if not (is_region_code(str(c)) and str(c)[:2] == prefix)},
        key=str,
    )
    if bad:
        raise BoundaryFileError(
            f"Laag '{layer}' van '{name}' heeft {len(bad)} ongeldige {level.value}codes, "
            f"bijvoorbeeld {', '.join(bad[:5])}.",
            code="BB-GEO-016",
            hint=f"Een {level.value}code begint met {prefix}; gebruik het onbewerkte CBS-bestand.",
        )
    names: dict[str, str] = {}
    if name_column:
        for code, text in zip(codes, frame[name_column].astype("string"), strict=True):
            if isinstance(text, str) and text.strip():
                names[str(code)] = text.strip()
    crs = _crs(dataset, name, layer, frame)
    geometry = frame.geometry.set_crs(crs, allow_override=True).values
    frame = gpd.GeoDataFrame({"code": codes.to_numpy()}, geometry=geometry)
    # A code in several rows (a region in parts) becomes one (multi)polygon.
    if frame["code"].duplicated().any():
        frame = frame.dissolve(by="code", as_index=False)
    return frame, water, int(empty.sum()), names


def _crs(dataset: str, name: str, layer: str, frame: gpd.GeoDataFrame) -> object:
    crs = pyogrio.read_info(dataset, layer=layer)["crs"]
    if crs:
        return crs
    minx, miny, maxx, maxy = frame.total_bounds if len(frame) else RD_BOUNDS
    if (
        minx >= RD_BOUNDS[0]
        and miny >= RD_BOUNDS[1]
        and maxx <= RD_BOUNDS[2]
        and maxy <= RD_BOUNDS[3]
    ):
        return RD_NEW  # CBS publishes in RD New; coordinates in its range mean just that
    raise BoundaryFileError(
        f"Laag '{layer}' van '{name}' heeft geen coördinatenstelsel.",
        code="BB-GEO-017",
        hint="Gebruik het CBS-bestand: dat staat in RD New (EPSG:28992).",
    )


def read_wijk_buurtkaart(
    path: Path, *, year: int | None = None, progress: Callable[[str], None] | None = None
) -> BoundaryFile:
    """Read, validate and simplify every level of a CBS wijk- en buurtkaart.

    Raises
    ------
    BoundaryFileError
        Not a file (``BB-GEO-011``), not a GeoPackage (``012``), no usable layer (``013``), no
        code column (``014``), no year (``015``), bad codes (``016``), no coordinates (``017``).
    """
    with warnings.catch_warnings():
        # GDAL reports oddities of a file as RuntimeWarning; the checks below give coded errors.
        warnings.simplefilter("ignore", RuntimeWarning)
        return _read(path, year, progress)


def _read(path: Path, year: int | None, progress: Callable[[str], None] | None) -> BoundaryFile:
    dataset = _dataset(path)
    if year is None:
        year = year_from_name(path.name) or year_from_name(Path(dataset).name)
        if year is None:
            raise BoundaryFileError(
                f"Het jaar van de kaart staat niet (eenduidig) in de naam '{path.name}'.",
                code="BB-GEO-015",
                hint="Geef het jaar van de kaart met --jaar, bijvoorbeeld --jaar 2023.",
            )
    year = _check_year(year, path.name)
    layers = []
    for level, layer in _layers(dataset, path.name).items():
        if progress:
            progress(f"Grenzen lezen en vereenvoudigen: {level.plural} {year}")
        frame, water, empty, names = _read_layer(dataset, path.name, level, layer)
        rows: list[GeometryRow] = []
        if len(frame):
            simplified = simplify_for_web(frame, tolerance_m=TOLERANCE_M[level])
            simplified = simplified[~shapely.is_empty(simplified.geometry.values)]
            rows = geometry_rows(simplified)
        layers.append(BoundaryLayer(level, layer, rows, water, empty, names))
    if not any(layer.rows for layer in layers):
        raise BoundaryFileError(
            f"'{path.name}' bevat geen vlakken (alleen water of lege lagen).",
            code="BB-GEO-013",
            hint="Gebruik de volledige wijk- en buurtkaart van CBS.",
        )
    return BoundaryFile(path.name, year, layers)
