"""Jam-wijken of a gemeente: persistent problem hotspots over the periods of several indicators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from buurtbeeld.analysis.hotspot_map import HotspotMap
from buurtbeeld.analysis.hotspots import DEFAULT_SEED
from buurtbeeld.analysis.jam import MIN_INDICATORS, JamView, trajectories, unfavourable
from buurtbeeld.analysis.trajectories import (
    CLASS_LABELS,
    MIN_TREND_PERIODS,
    PERSISTENT_SHARE,
    TREND_ALPHA,
)
from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator, Polarity
from buurtbeeld.store.cube import Cube
from buurtbeeld.web.deps import CatalogDep, CubeDep, Seed, templates, unique
from buurtbeeld.web.downloads import csv_attachment, csv_text
from buurtbeeld.web.format import csv_safe, format_plain
from buurtbeeld.web.hotspot_pages import HotspotChoice, Level, Reference, hotspots_for

router = APIRouter(include_in_schema=False)


def candidates(cube: Cube, catalog: Catalog) -> list[Indicator]:
    """Indicators with two or more periods and a direction (what a jam-wijk can rest on)."""
    return [
        i
        for i in catalog.indicators
        if len(cube.periods(i.id)) >= 2 and i.polarity is not Polarity.NEUTRAL
    ]


def jam_view(
    request: Request, cube: Cube, catalog: Catalog, code: str, choice: JamChoice
) -> tuple[list[Indicator], JamView]:
    """The chosen indicators and their trajectories (Gi* per period, cached like the hotspots)."""
    chosen = _chosen(cube, catalog, choice.indicators)
    names: dict[str, str] = {}
    per_indicator = []
    for indicator in chosen:

        def run(period: str, ind: Indicator = indicator) -> HotspotMap:
            one = HotspotChoice(ind.id, choice.level, choice.reference, period, choice.seed)
            view = hotspots_for(request, cube, code, one)
            names.update(view.names)
            return view

        per_indicator.append(trajectories(indicator, cube.periods(indicator.id), run))
    return chosen, JamView(names, per_indicator)


def _chosen(cube: Cube, catalog: Catalog, indicator: list[str] | None) -> list[Indicator]:
    if indicator:
        return [catalog.get(i) for i in unique(indicator)]
    return candidates(cube, catalog)


@dataclass(frozen=True)
class JamChoice:
    """What the page and its CSV share: the query parameters of one set of jam-wijken."""

    indicators: list[str] | None
    level: str
    reference: str
    seed: int


def jam_choice(
    indicator: Annotated[list[str] | None, Query()] = None,
    niveau: Level = "buurt",
    referentie: Reference = "gemeente",
    seed: Seed = DEFAULT_SEED,
) -> JamChoice:
    """The shared query parameters (a dependency of both jam-wijken routes)."""
    return JamChoice(indicator, niveau, referentie, seed)


JamChoiceDep = Annotated[JamChoice, Depends(jam_choice)]


@router.get("/gemeente/{code}/jamwijken", response_class=HTMLResponse)
def jam_page(
    request: Request,
    code: str,
    cube: CubeDep,
    catalog: CatalogDep,
    choice: JamChoiceDep,
) -> Response:
    """The jam-wijken with their evidence, the rules, and the classes per indicator."""
    area = cube.region(code)
    chosen, view = jam_view(request, cube, catalog, area.code, choice)
    niveau, referentie = choice.level, choice.reference
    counts = {
        item.indicator.id: {
            k: sum(1 for r in item.rows.values() if r.kind == k)
            for k in [*CLASS_LABELS, "onvolledig"]
        }
        for item in view.per_indicator
    }
    query = "&".join(
        [f"indicator={i.id}" for i in chosen] + [f"niveau={niveau}", f"referentie={referentie}"]
    )
    return templates.TemplateResponse(
        request,
        "jamwijken.html",
        {
            "area": area,
            "view": view,
            "chosen": chosen,
            "options": candidates(cube, catalog),
            "level": niveau,
            "reference": referentie,
            "labels": CLASS_LABELS,
            "counts": counts,
            "min_indicators": MIN_INDICATORS,
            "persistent_share": PERSISTENT_SHARE,
            "trend_alpha": TREND_ALPHA,
            "min_trend": MIN_TREND_PERIODS,
            "unfavourable": unfavourable,
            "query": query,
        },
    )


@router.get("/gemeente/{code}/jamwijken.csv")
def jam_csv(
    request: Request,
    code: str,
    cube: CubeDep,
    catalog: CatalogDep,
    choice: JamChoiceDep,
) -> Response:
    """Every region × indicator: problem spot and Gi* z per period, class and trend."""
    area = cube.region(code)
    _, view = jam_view(request, cube, catalog, area.code, choice)
    jam = {c for c, _ in view.jam}
    body = csv_text(
        [
            "regiocode",
            "naam",
            "jamwijk",
            "indicator",
            "perioden",
            "hotspot_per_periode",
            "intensiteit_per_periode",
            "verloop",
            "mann_kendall_tau",
            "mann_kendall_p",
            "referentie",
        ],
        (
            [
                csv_safe(code_),
                csv_safe(view.names.get(code_, code_)),
                "ja" if code_ in jam else "nee",
                item.indicator.id,
                "|".join(row.periods),
                "|".join("ja" if p else "nee" for p in row.problem),
                "|".join(format_plain(v, 3) for v in row.intensity),
                row.kind,
                format_plain(row.trend.tau, 3) if row.trend else "",
                format_plain(row.trend.p, 4) if row.trend else "",
                choice.reference,
            ]
            for item in view.per_indicator
            for code_, row in sorted(item.rows.items())
        ),
    )
    return csv_attachment(body, f"buurtbeeld_{area.code}_jamwijken_{choice.level}.csv")
