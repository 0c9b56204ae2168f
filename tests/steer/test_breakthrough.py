"""The doorbraken register: validation, privacy check, consent, and the protected analysis."""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from buurtbeeld.platform.audit import AuditLog
from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import ENV_DATABASE_URL, PlatformDB, open_platform
from buurtbeeld.platform.sessions import SessionStore
from buurtbeeld.platform.tables import doorbraak as doorbraak_table
from buurtbeeld.platform.users import UserStore
from buurtbeeld.steer.breakthrough import BreakthroughStore, Record, Report
from buurtbeeld.steer.breakthrough_table import TOTAL, protected_tables
from buurtbeeld.steer.duiding_errors import BreakthroughError
from buurtbeeld.web.app import create_app

WIJKEN = ("WK050501", "WK050502", "WK050503")
GOOD = Report(
    gemeente="GM0505",
    wijk="WK050501",
    domain="schulden",
    other_domains=("wonen",),
    blocker="regel",
    law="participatiewet",
    law_detail="art. 18 lid 2",
    breakthrough="De kostendelersnorm is tijdelijk buiten toepassing gelaten.",
    outcome="doorbroken",
    consent="ja",
)


def _count(db: PlatformDB) -> int:
    with db.begin() as con:
        return int(con.execute(select(func.count()).select_from(doorbraak_table)).scalar_one())


def _record(store: BreakthroughStore, report: Report) -> int:
    return store.record(report, author="casus", wijken=WIJKEN, area_names=["Binnenstad"])


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"breakthrough": "Mevrouw belde vanaf 06-12345678 en toen lukte het."}, "BB-DBR-001"),
        ({"breakthrough": "Dossier van BSN 111222333 is heropend."}, "BB-DBR-001"),
        ({"law_detail": "zie a.jansen@example.nl"}, "BB-DBR-001"),
        ({"breakthrough": "Geholpen na gesprek met Mevrouw Jansen."}, "BB-DBR-002"),
        ({"domain": "belasting"}, "BB-DBR-003"),
        ({"other_domains": ("wonen", "ruimtevaart")}, "BB-DBR-003"),
        ({"blocker": "weer"}, "BB-DBR-004"),
        ({"law": "grondwet"}, "BB-DBR-005"),
        ({"wijk": "WK036301"}, "BB-DBR-006"),  # a wijk of another gemeente
        ({"consent": "nee"}, "BB-DBR-007"),  # a description without consent
        ({"outcome": "misschien"}, "BB-DBR-008"),
        ({"consent": ""}, "BB-DBR-009"),
        ({"breakthrough": "x" * 2001}, "BB-DBR-010"),
    ],
)
def test_bad_input_is_a_dutch_error_and_nothing_is_saved(
    platform_url: str, change: dict[str, object], code: str
) -> None:
    with open_platform(None, url=platform_url) as db:
        store = BreakthroughStore(db)
        with pytest.raises(BreakthroughError) as err:
            _record(store, replace(GOOD, **change))  # type: ignore[arg-type]
        assert err.value.code == code
        assert _count(db) == 0
        assert "12345678" not in str(err.value) and "111222333" not in str(err.value)
        assert all("Jansen" not in e.details for e in AuditLog(db).entries())


def test_without_consent_only_the_categories_are_kept(platform_url: str) -> None:
    with open_platform(None, url=platform_url) as db:
        store = BreakthroughStore(db)
        first = _record(store, GOOD)
        second = _record(store, replace(GOOD, consent="nee", breakthrough="", law_detail=""))
        with db.begin() as con:
            rows = {r.id: r for r in con.execute(select(doorbraak_table)).all()}
        assert rows[first].breakthrough == GOOD.breakthrough and rows[first].consent
        assert rows[second].breakthrough is None and not rows[second].consent
        assert [r.id for r in store.records("GM0505")] == [first, second]
        events = [e.event for e in AuditLog(db).entries()]
        assert events == ["doorbraak_vastgelegd", "doorbraak_vastgelegd"]


def _records(spec: dict[tuple[str, str, str, str], int]) -> list[Record]:
    out, n = [], 0
    for (wijk, domain, blocker, law), count in spec.items():
        for _ in range(count):
            n += 1
            out.append(Record(n, "GM0505", wijk, domain, blocker, law, "doorbroken", True))
    return out


def test_small_counts_are_hidden_and_cannot_be_derived_from_the_totals() -> None:
    spec = {
        ("WK050501", "schulden", "regel", "participatiewet"): 40,
        ("WK050502", "schulden", "regel", "participatiewet"): 35,
        ("WK050503", "wonen", "systeem", "participatiewet"): 3,  # small: must be hidden
        ("WK050501", "zorg", "financiering", "wmo"): 30,
        ("WK050502", "jeugd", "samenwerking", "jeugdwet"): 25,
    }
    tables = {t.id: t for t in protected_tables(_records(spec), "GM0505", WIJKEN, seed="t")}
    wijk = tables["wijk"]
    assert wijk.cells["participatiewet", "WK050503"].value is None  # 3 doorbraken: hidden
    assert wijk.cells[TOTAL, TOTAL].value is not None
    # Secondary suppression: the small cell cannot be computed from its row or column.
    for table in tables.values():
        for row in table.rows:
            hidden = [c for c in table.columns if table.cells[row, c].value is None]
            assert len(hidden) != 1, (table.id, row)
        for column in table.columns:
            hidden = [r for r in table.rows if table.cells[r, column].value is None]
            assert len(hidden) != 1, (table.id, column)
    # The shared margin (per law, whole gemeente) is the same cell in all three tables.
    for law in ("participatiewet", "wmo", TOTAL):
        assert len({t.cells[law, TOTAL].value for t in tables.values()}) == 1
    # A doorbraak in a wijk that left the division drops out of all three tables alike.
    moved = _records({**spec, ("WK059999", "schulden", "regel", "wmo"): 12})
    again = {t.id: t for t in protected_tables(moved, "GM0505", WIJKEN, seed="t")}
    assert again["blokkade"].cells[TOTAL, TOTAL] == tables["blokkade"].cells[TOTAL, TOTAL]
    published = [c.value for t in tables.values() for c in t.cells.values() if c.value]
    assert all(v % 5 == 0 for v in published)  # randomly rounded to fives (cbs-zorg)


# --- the web app -------------------------------------------------------------------------------

BASE = "https://127.0.0.1"
COOKIE = "__Host-bb_sessie"


@pytest.fixture(params=["sqlite", "postgresql"])
def client(
    request: pytest.FixtureRequest, tmp_path: Path, app_workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[TestClient, str]]:  # fmt: skip
    root = tmp_path / "werkmap"
    shutil.copytree(app_workspace, root)
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    if request.param == "postgresql":
        monkeypatch.setenv(
            ENV_DATABASE_URL, request.getfixturevalue("postgres_cluster").new_database()
        )
    with open_platform(root) as db:
        user = UserStore(db).create("casus", "lezer", "paarse-olifant-wandelt-7", actor="t")
        token = SessionStore(db).create(user, timedelta(hours=1))
        session = SessionStore(db).get(token)
        assert session is not None
    app = create_app(root, auth=AuthConfig(session_secret="x" * 40))
    with TestClient(app, base_url=BASE) as test_client:
        test_client.cookies.set(COOKIE, token)
        yield test_client, session.csrf_token


def test_a_case_worker_records_and_sees_only_protected_counts(
    client: tuple[TestClient, str],
) -> None:
    web, csrf = client
    form = {
        "csrf": csrf, "gemeente": "GM0505", "wijk": "WK050501", "domein": "schulden",
        "andere_domeinen": ["wonen"], "blokkade": "regel", "wet": "participatiewet",
        "artikel": "", "doorbraak": "Bel 06-12345678", "uitkomst": "deels", "toestemming": "ja",
    }  # fmt: skip
    refused = web.post("/doorbraken/nieuw", data=form)
    assert refused.status_code == 422 and "BB-DBR-001" in refused.text
    assert "telefoonnummer" in refused.text
    assert "geen-doorbraken" in web.get("/doorbraken?gemeente=GM0505").text  # nothing saved
    form["doorbraak"] = ""
    for _ in range(3):
        saved = web.post("/doorbraken/nieuw", data=form, follow_redirects=False)
        assert saved.status_code == 303
    page = web.get("/doorbraken?gemeente=GM0505").text
    assert "Per wijk" in page and "verborgen" in page
    table = web.get("/doorbraken/analyse.csv?gemeente=GM0505").text.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(table), delimiter=";"))
    assert rows and {r["indeling"] for r in rows} == {"blokkade", "wijk", "domein"}
    small = [r for r in rows if r["categorie"] != "Totaal" and r["wet_of_regel"] != "Totaal"
             and r["status"] == "gepubliceerd" and r["aantal"] not in ("0", "")]  # fmt: skip
    assert not small  # three doorbraken: no cell with a count below the threshold is shown
    assert not re.search(r";3;", table)
