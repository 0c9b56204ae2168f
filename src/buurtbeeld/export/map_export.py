"""Exports of a map view (indicator × level × period × area) as XLSX and GeoPackage.

The web layer hands over the rows exactly as its table shows them (``MapExport``); nothing is
queried here. A hidden or missing figure is an empty value with its status and reason, never a
0. Every export carries "Bron: …" and the period: the XLSX in its heading and on a sheet
"Bronnen", the GeoPackage in columns of every feature and in the layer's metadata. Approved
duiding (issue 16) travels along: per region in the column ``duiding``, and every duiding the map
page shows (the gemeente's own included) on the sheet "Bronnen" and in the layer's description.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from buurtbeeld.errors import BuurtbeeldError

TEXT_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as a formula

COLUMNS = [
    ("regiocode", "Regiocode"),
    ("naam", "Naam"),
    ("naam_toelichting", "Toelichting bij de naam"),
    ("niveau", "Niveau"),
    ("indicator", "Indicator"),
    ("periode", "Periode"),
    ("waarde", "Waarde"),
    ("eenheid", "Eenheid"),
    ("status", "Status"),
    ("toelichting", "Reden (verborgen of ontbreekt)"),
    ("bron", "Bron"),
    ("duiding", "Duiding"),
]


class ExportError(BuurtbeeldError, RuntimeError):
    """An export file could not be written."""

    code = "BB-RAP-002"
    http_status = 500
    default_hint = "Probeer het opnieuw; blijft het misgaan, meld dan de foutcode."


@dataclass(frozen=True)
class ExportRow:
    """One region as the page's table shows it (``value`` already rounded as displayed)."""

    code: str
    name: str
    name_note: str
    level: str
    value: float | None
    status: str  # Dutch status word (waarde, voorlopig, verborgen, ontbreekt)
    reason: str
    geometry: str | None = None  # GeoJSON geometry text (WGS84); None: no polygon
    duiding: str = ""  # approved duiding of this region (issue 16), with author role and date


@dataclass(frozen=True)
class MapExport:
    """A map view ready to export."""

    title: str  # e.g. "Bijstand per 1.000 inwoners per buurt, Dordrecht, 2023"
    indicator_id: str
    indicator_label: str
    definition: str
    unit: str
    decimals: int
    level: str
    period: str  # "" when the indicator has no period with figures
    area_code: str
    area_name: str
    source: str  # "Bron: CBS, Kerncijfers wijken en buurten"
    licence: str
    rows: list[ExportRow]
    notes: list[str] = field(default_factory=list)  # hidden figures, rounding, divisions
    made: str = ""  # date of the export (ISO), shown on the sources sheet
    duiding: list[str] = field(default_factory=list)  # every approved duiding the map shows

    @property
    def period_text(self) -> str:
        """The period as shown ("geen periode met cijfers" when there is none)."""
        return self.period or "geen periode met cijfers"

    def values(self, row: ExportRow) -> list[object]:
        """The cells of ``row`` in the order of ``COLUMNS``."""
        return [
            row.code,
            row.name,
            row.name_note,
            row.level,
            self.indicator_id,
            self.period,
            row.value,
            self.unit,
            row.status,
            row.reason,
            self.source,
            row.duiding,
        ]


def _text(value: object) -> object:
    if isinstance(value, str) and value.startswith(TEXT_START):
        return "'" + value
    return value


def export_xlsx(export: MapExport) -> bytes:
    """A workbook: sheet "Cijfers" (heading, Bron and period, the table), sheet "Bronnen"."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Cijfers"
    sheet.append([_text(export.title)])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    sheet.append([_text(export.source)])
    sheet.append([f"Periode: {export.period_text}"])
    sheet.append(["Verborgen of ontbrekende cijfers zijn leeg, met de reden; nooit een 0."])
    sheet.append([])
    sheet.append([label for _, label in COLUMNS])
    header = sheet.max_row
    for cell in sheet[header]:
        cell.font = Font(bold=True)
    number_format = "0" if export.decimals == 0 else "0." + "0" * export.decimals
    value_column = [key for key, _ in COLUMNS].index("waarde") + 1
    for row in export.rows:
        sheet.append([_text(v) for v in export.values(row)])
        if row.value is not None:
            sheet.cell(row=sheet.max_row, column=value_column).number_format = number_format
    for index, (key, label) in enumerate(COLUMNS, start=1):
        width = max([len(label)] + [len(str(v or "")) for v in _column(export, key)])
        letter = sheet.cell(row=header, column=index).column_letter
        sheet.column_dimensions[letter].width = min(50, width + 2)
    sheet.freeze_panes = sheet.cell(row=header + 1, column=1)

    sources = book.create_sheet("Bronnen")
    for line in [
        ("Onderwerp", "Toelichting"),
        ("Titel", export.title),
        ("Indicator", f"{export.indicator_label} ({export.indicator_id})"),
        ("Definitie", export.definition),
        ("Eenheid", export.unit),
        ("Gebied", f"{export.area_name} ({export.area_code})"),
        ("Niveau", export.level),
        ("Periode", export.period_text),
        ("Bron", export.source),
        ("Licentie", export.licence),
        *(("Toelichting", note) for note in export.notes),
        *(("Duiding", text) for text in export.duiding),
        ("Gemaakt met", "Buurtbeeld" + (f", {export.made}" if export.made else "")),
    ]:
        sources.append([_text(v) for v in line])
    sources.cell(row=1, column=1).font = Font(bold=True)
    sources.cell(row=1, column=2).font = Font(bold=True)
    sources.column_dimensions["A"].width = 14
    sources.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column(export: MapExport, key: str) -> list[object]:
    index = [k for k, _ in COLUMNS].index(key)
    return [export.values(row)[index] for row in export.rows]


def export_geopackage(export: MapExport) -> bytes:
    """A GeoPackage with one layer: every region (no polygon: an empty geometry) and its figure.

    Coordinates are WGS84 (EPSG:4326) as the web map's; QGIS and ArcGIS reproject on the fly.
    """
    import geopandas as gpd
    import pyogrio
    import shapely

    data = {key: _column(export, key) for key, _ in COLUMNS}
    geometries = [
        shapely.from_geojson(row.geometry) if row.geometry else None for row in export.rows
    ]
    frame = gpd.GeoDataFrame(data, geometry=geometries, crs="EPSG:4326")
    frame["waarde"] = frame["waarde"].astype("float64")  # empty (NULL) where hidden, never 0
    layer = _layer_name(export)
    description = (
        f"{export.title}. {export.source}. Periode: {export.period_text}. Verborgen of "
        "ontbrekende cijfers hebben geen waarde (NULL), met de reden in 'toelichting'."
    )
    with tempfile.TemporaryDirectory(prefix="buurtbeeld-gpkg-") as folder:
        path = Path(folder) / "export.gpkg"
        try:
            pyogrio.write_dataframe(
                frame,
                path,
                layer=layer,
                driver="GPKG",
                promote_to_multi=True,
                layer_metadata={
                    "IDENTIFIER": export.title,
                    "DESCRIPTION": " ".join(
                        [description, *export.notes, *(f"Duiding: {d}" for d in export.duiding)]
                    ),
                },
            )
        except Exception as err:  # GDAL's errors are English and technical
            raise ExportError("Het GeoPackage kon niet worden geschreven.") from err
        return path.read_bytes()


def _layer_name(export: MapExport) -> str:
    return f"{export.indicator_id}_{export.level}"[:60]
