"""Goals: baseline from the cube, targets, the monitoring rule, and bad input (nothing saved).

Real CBS/RIVM figures of Dordrecht (GM0505) in the filled test workspace: loneliness rose from
46,8 % (2016) to 49,1 % (2020); difficulty making ends meet fell from 22,9 % to 14,6 %.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from buurtbeeld.catalog.load import Catalog, builtin_catalog
from buurtbeeld.catalog.models import Polarity
from buurtbeeld.platform.audit import AuditLog
from buurtbeeld.platform.db import PlatformDB, open_platform
from buurtbeeld.steer.errors import SteerError, SteerNotFound
from buurtbeeld.steer.framework import Framework
from buurtbeeld.steer.framework_store import load_framework
from buurtbeeld.steer.goals import (
    Target,
    get_goal,
    list_goals,
    period_year,
    save_goal,
    set_target,
)
from buurtbeeld.steer.monitoring import OFF_TRACK, ON_TRACK, UNKNOWN, assess, judge
from buurtbeeld.steer.workspace import load_demo_framework
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.workspace import open_workspace

GM = "GM0505"


@pytest.fixture(scope="module")
def cube(filled_workspace_template: Path) -> Iterator[Cube]:
    c = Cube(open_workspace(filled_workspace_template))
    yield c
    c.close()


@pytest.fixture(scope="module")
def catalog(cube: Cube) -> Catalog:
    return cube.catalog(builtin_catalog())


@pytest.fixture
def db(platform_url: str, catalog: Catalog) -> Iterator[PlatformDB]:
    with open_platform(None, url=platform_url) as database:
        load_demo_framework(database, [i.id for i in catalog.indicators])
        yield database


def _framework(db: PlatformDB) -> Framework:
    framework = load_framework(db)
    assert framework is not None
    return framework


def _goal(db: PlatformDB, cube: Cube, catalog: Catalog, **kwargs: str) -> int:
    values = {
        "focus_key": "meedoen",
        "description": "Minder eenzaamheid",
        "indicator_id": "eenzaam_pct",
        "baseline_period": "2016",
    }
    values.update(kwargs)
    return save_goal(db, cube, catalog, _framework(db), actor="analist", **values)  # type: ignore[arg-type]


def test_baseline_and_status_come_from_the_cube(
    db: PlatformDB, cube: Cube, catalog: Catalog
) -> None:
    lonely = _goal(db, cube, catalog)
    means = _goal(
        db, cube, catalog, focus_key="bestaanszekerheid", description="Minder geldzorgen",
        indicator_id="moeite_rondkomen_pct",
    )  # fmt: skip
    framework = _framework(db)
    set_target(db, cube, catalog, framework, goal_id=lonely, indicator_id="eenzaam_pct",
               year=2024, value=44.0, actor="analist")  # fmt: skip
    set_target(db, cube, catalog, framework, goal_id=means, indicator_id="moeite_rondkomen_pct",
               year=2024, value=20.0, actor="analist")  # fmt: skip
    a = assess(cube, catalog, get_goal(db, lonely), GM)
    assert (a.baseline.period, a.baseline.value) == ("2016", 46.8)
    assert a.latest is not None and (a.latest.period, a.latest.value) == ("2020", 49.1)
    assert a.status == OFF_TRACK  # it rose while the goal is to fall
    b = assess(cube, catalog, get_goal(db, means), GM)
    assert b.status == ON_TRACK  # 14,6 is past the line 22,9 → 20 at 2020 (21,45)
    details = [json.loads(e.details) for e in AuditLog(db).entries() if e.event == "doel_gewijzigd"]
    assert [d["actie"] for d in details] == [
        "toegevoegd",
        "toegevoegd",
        "streefwaarde",
        "streefwaarde",
    ]


def test_an_empty_baseline_period_takes_the_latest_published(
    db: PlatformDB, cube: Cube, catalog: Catalog
) -> None:
    goal = get_goal(db, _goal(db, cube, catalog, baseline_period=""))
    assert goal.baseline_period == "2020"
    assert assess(cube, catalog, goal, GM).status == UNKNOWN  # no target, no later figure


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"baseline_period": "2019"}, "BB-STR-023"),  # a period without data
        ({"indicator_id": "bestaat_niet"}, "BB-STR-021"),
        ({"indicator_id": "bijstand_per_1000"}, "BB-STR-022"),  # not in this focus area
        ({"description": "  "}, "BB-STR-025"),
    ],
)
def test_bad_goals_are_refused_and_nothing_is_saved(
    db: PlatformDB, cube: Cube, catalog: Catalog, change: dict[str, str], code: str
) -> None:
    with pytest.raises(SteerError) as err:
        _goal(db, cube, catalog, **change)
    assert err.value.code == code
    assert list_goals(db) == []


def test_an_unknown_focus_area_is_not_found(db: PlatformDB, cube: Cube, catalog: Catalog) -> None:
    with pytest.raises(SteerNotFound) as err:
        _goal(db, cube, catalog, focus_key="ruimte")
    assert err.value.code == "BB-STR-020"


@pytest.mark.parametrize(
    ("indicator", "year", "value", "region", "code"),
    [
        ("bestaat_niet", 2026, 40.0, "", "BB-STR-021"),  # a target for an unknown indicator
        ("moeite_rondkomen_pct", 2026, 40.0, "", "BB-STR-021"),  # not the goal's indicator
        ("eenzaam_pct", 2015, 40.0, "", "BB-STR-024"),  # before the baseline
        ("eenzaam_pct", 2026, 140.0, "", "BB-STR-024"),  # a percentage above 100
        ("eenzaam_pct", 2026, float("nan"), "", "BB-STR-024"),
        ("eenzaam_pct", 2026, 40.0, "WK036301", "BB-STR-027"),  # a wijk of Amsterdam
        ("eenzaam_pct", 2026, 40.0, "BU05050101", "BB-STR-027"),  # a buurt, not a wijk
    ],
)
def test_bad_targets_are_refused_and_nothing_is_saved(
    db: PlatformDB, cube: Cube, catalog: Catalog,
    indicator: str, year: int, value: float, region: str, code: str,
) -> None:  # fmt: skip
    goal_id = _goal(db, cube, catalog)
    with pytest.raises(SteerError) as err:
        set_target(db, cube, catalog, _framework(db), goal_id=goal_id, indicator_id=indicator,
                   year=year, value=value, region_code=region, actor="analist")  # fmt: skip
    assert err.value.code == code
    assert get_goal(db, goal_id).targets == ()


def test_a_wijk_target_is_assessed_on_the_wijk(
    db: PlatformDB, cube: Cube, catalog: Catalog
) -> None:
    goal_id = _goal(db, cube, catalog)
    wijk = cube.children(GM, "wijk")[0].code
    set_target(db, cube, catalog, _framework(db), goal_id=goal_id, indicator_id="eenzaam_pct",
               year=2030, value=40.0, region_code=wijk.lower(), actor="analist")  # fmt: skip
    goal = get_goal(db, goal_id)
    assert goal.targets == (Target(wijk, 2030, 40.0),)
    assert assess(cube, catalog, goal, GM).status == UNKNOWN  # the gemeente has no target
    assert assess(cube, catalog, goal, wijk).target == Target(wijk, 2030, 40.0)


def test_periods_as_years() -> None:
    assert period_year("2023") == 2023.0
    assert period_year("2024Q3") == 2024.5
    assert period_year("2024KW2") == 2024.25
    assert period_year("2024M07") == 2024.5
    assert period_year("peildatum") is None


@pytest.mark.parametrize(
    ("baseline", "latest", "latest_year", "target", "polarity", "expected"),
    [
        # goal: from 10 (2020) down to 6 (2024); the line is at 8 in 2022
        (10.0, 8.0, 2022, 6.0, Polarity.HIGHER_IS_WORSE, ON_TRACK),  # on the line
        (10.0, 7.0, 2022, 6.0, Polarity.HIGHER_IS_WORSE, ON_TRACK),  # ahead
        (10.0, 9.0, 2022, 6.0, Polarity.HIGHER_IS_WORSE, OFF_TRACK),  # behind
        (10.0, 11.0, 2022, 6.0, Polarity.HIGHER_IS_WORSE, OFF_TRACK),  # the wrong way
        (10.0, 6.5, 2026, 6.0, Polarity.HIGHER_IS_WORSE, OFF_TRACK),  # after the target year
        # goal: up from 10 to 14
        (10.0, 12.0, 2022, 14.0, Polarity.HIGHER_IS_BETTER, ON_TRACK),
        (10.0, 11.0, 2022, 14.0, Polarity.HIGHER_IS_BETTER, OFF_TRACK),
        # keep 10: not worse by the indicator's direction
        (10.0, 9.0, 2022, 10.0, Polarity.HIGHER_IS_WORSE, ON_TRACK),
        (10.0, 11.0, 2022, 10.0, Polarity.HIGHER_IS_WORSE, OFF_TRACK),
        (10.0, 11.0, 2022, 10.0, Polarity.HIGHER_IS_BETTER, ON_TRACK),
        (10.0, 10.0, 2020, 6.0, Polarity.HIGHER_IS_WORSE, UNKNOWN),  # no later measurement
    ],
)
def test_the_status_rule(
    baseline: float, latest: float, latest_year: int, target: float, polarity: Polarity,
    expected: str,
) -> None:  # fmt: skip
    status, _reason = judge(baseline, 2020, latest, latest_year, Target(GM, 2024, target), polarity)
    assert status == expected


def test_a_hidden_figure_gives_unknown_and_never_a_number(
    db: PlatformDB, cube: Cube, catalog: Catalog
) -> None:
    from buurtbeeld.steer.pc_export import pc_html, pc_xlsx, programme_lines

    # Real figures: the WOZ value of wijk WK050598 (Dordrecht) is hidden in the KWB 2023.
    goal_id = _goal(db, cube, catalog, focus_key="wonen", description="Betaalbaar wonen",
                    indicator_id="woz_waarde", baseline_period="2023")  # fmt: skip
    framework = _framework(db)
    set_target(db, cube, catalog, framework, goal_id=goal_id, indicator_id="woz_waarde",
               year=2027, value=250.0, region_code="WK050598", actor="analist")  # fmt: skip
    goal = get_goal(db, goal_id)
    hidden = assess(cube, catalog, goal, "WK050598")
    assert hidden.baseline.status == "hidden" and hidden.status == UNKNOWN
    area = framework.focus_area("wonen")
    assert area is not None
    lines = programme_lines(cube, catalog, framework, area, [goal])
    assert [line.cells[2] for line in lines] == ["Dordrecht", cube.region("WK050598").name]
    wijk = lines[1]
    assert wijk.cells[3] == "verborgen (2023)" and wijk.cells[6] == UNKNOWN
    assert "verborgen (2023)" in pc_html(framework, area, lines)
    assert pc_xlsx(framework, area, lines)[:2] == b"PK"
