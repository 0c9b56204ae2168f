"""Beheer → Imports through the real app: upload → background process → report, audit entries.

The app runs with sign-in on a real platform database (SQLite, and PostgreSQL for the job store);
each upload starts a real runner process that imports into the workspace the app is serving.
"""

from __future__ import annotations

import hashlib
import json
import signal
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from buurtbeeld.platform.audit import AuditLog
from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import ENV_DATABASE_URL, open_platform
from buurtbeeld.platform.jobs import JobError, JobStore
from buurtbeeld.platform.sessions import SessionStore
from buurtbeeld.platform.users import UserStore
from buurtbeeld.store.workspace import Workspace
from buurtbeeld.web.app import create_app
from buurtbeeld.web.import_job import (
    DEFAULT_MEMORY_MB,
    ENV_MEMORY,
    memory_cap_mb,
    spawn,
    upload_dir,
)
from tests.cbs_files import kwb_rows, write_kwb_csv
from tests.conftest import shared_file
from tests.platform.conftest import (
    BACKENDS,
    Cluster,
    postgres_cluster,  # noqa: F401 (fixture)
)
from tests.store.test_generations import GEMEENTE, variant

COOKIE = "__Host-bb_sessie"
PASSWORD = "paarse-olifant-wandelt-7"


@dataclass
class Site:
    client: TestClient
    db_url: str
    root: Path
    csrf: dict[str, str]
    tokens: dict[str, str]

    def as_role(self, role: str) -> None:
        self.client.cookies.clear()
        self.client.cookies.set(COOKIE, self.tokens[role])

    def upload(
        self, path: Path | None, kind: str, *, role: str = "beheerder", name: str = ""
    ) -> object:
        self.as_role(role)
        files = {"bestand": (name or path.name, path.read_bytes())} if path else None  # type: ignore[union-attr]
        return self.client.post(
            "/beheer/imports",
            data={"csrf": self.csrf[role], "soort": kind},
            files=files,
            follow_redirects=False,
        )

    def wait(self, job_id: int, timeout: float = 240) -> dict[str, object]:
        self.as_role("beheerder")
        deadline = time.monotonic() + timeout
        while True:
            state = self.client.get(f"/beheer/imports/{job_id}/status").json()
            if state["klaar"]:
                return state  # type: ignore[no-any-return]
            assert time.monotonic() < deadline, f"import {job_id} is niet klaar: {state}"
            time.sleep(0.3)

    def audit(self) -> list[dict[str, object]]:
        with open_platform(None, url=self.db_url) as db:
            log = AuditLog(db)
            log.verify()  # the chain holds
            return [e.as_dict() for e in log.entries()]


@pytest.fixture
def site(
    empty_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path / 'platform.sqlite'}"
    monkeypatch.setenv(ENV_DATABASE_URL, url)  # the runner process finds the same database
    tokens, csrf = {}, {}
    with open_platform(None, url=url) as db:
        users, store = UserStore(db), SessionStore(db)
        for role in ("beheerder", "lezer"):
            user = users.create(f"test-{role}", role, PASSWORD, actor="test")
            token = store.create(user, timedelta(hours=1))
            session = store.get(token)
            assert session is not None
            tokens[role], csrf[role] = token, session.csrf_token
    app = create_app(empty_workspace.root, auth=AuthConfig(session_secret="x" * 40))
    with TestClient(app, base_url="https://127.0.0.1") as client:
        yield Site(client, url, empty_workspace.root, csrf, tokens)


def _job_id(response: object) -> int:
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    location = response.headers["location"]  # type: ignore[attr-defined]
    assert location.startswith("/beheer/imports/")
    return int(location.rsplit("/", 1)[1])


def test_upload_runs_in_the_background_and_ends_with_the_report(site: Site, tmp_path: Path) -> None:
    page = (site.as_role("beheerder"), site.client.get("/beheer/imports"))[1]
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert 'name="csrf"' in page.text
    path = variant(tmp_path, 3)
    job_id = _job_id(site.upload(path, "cbs"))
    progress = site.client.get(f"/beheer/imports/{job_id}")
    assert progress.status_code == 200
    assert site.wait(job_id)["status"] == "klaar"
    report = site.client.get(f"/beheer/imports/{job_id}").text
    assert "Importrapport" in report and "Geïmporteerd: kwb-2023-dordrecht-3.csv" in report
    assert "inwoners" in report and "Traceback" not in report
    assert "/static/js/import-taak.mjs" not in report  # done: no more polling
    # the app now serves the imported figures (a new generation, no restart)
    deadline = time.monotonic() + 30
    while site.client.get(f"/api/v1/regios/{GEMEENTE}").status_code != 200 or not _has_figure(site):
        assert time.monotonic() < deadline, "the app never served the imported figures"
        time.sleep(0.2)
    assert not (site.root / "uploads" / str(job_id)).exists()  # the upload is removed
    entries = site.audit()
    events = [(e["gebeurtenis"], e["wie"]) for e in entries]
    assert ("import_gestart", "test-beheerder") in events and ("import", "test-beheerder") in events
    finished = next(e for e in entries if e["gebeurtenis"] == "import")
    details = finished["details"]
    assert isinstance(details, dict)
    assert details["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert details["bestand"] == path.name and details["resultaat"] == "geimporteerd"
    # the same file again: done, nothing changed, said so
    again = _job_id(site.upload(path, "cbs"))
    assert site.wait(again)["status"] == "klaar"
    assert "al geïmporteerd" in site.client.get(f"/beheer/imports/{again}").text


def _has_figure(site: Site) -> bool:
    profile = site.client.get(f"/api/v1/regios/{GEMEENTE}/profiel").json()
    return profile["gebieden"][0]["waarden"]["inwoners"]["waarde"] is not None


def test_a_refused_package_shows_its_code_and_hint_never_a_trace(
    site: Site, tmp_path: Path
) -> None:
    package = tmp_path / "pakket-zonder-manifest.zip"
    with zipfile.ZipFile(package, "w") as zf:
        zf.writestr("tabel.csv", "regio;waarde\nGM0505;12\n")
    job_id = _job_id(site.upload(package, "pakket"))
    assert site.wait(job_id)["status"] == "mislukt"
    page = site.client.get(f"/beheer/imports/{job_id}").text
    assert "Foutcode: <code>BB-PKG-" in page and "Traceback" not in page
    assert "GM0505;12" not in page
    failed = [e for e in site.audit() if e["gebeurtenis"] == "import_mislukt"]
    assert len(failed) == 1
    assert str(failed[0]["details"]["code"]).startswith("BB-PKG-")  # type: ignore[index]


def test_the_runner_process_is_held_to_the_memory_setting(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BUURTBEELD_IMPORT_GEHEUGEN_MB caps the runner: the national KWB in 1 GB fails, coded."""
    national = shared_file("kwb2023_subset_nl.csv")
    monkeypatch.setenv(ENV_MEMORY, "1000")  # the runner inherits the server's environment
    before = (site.root / "buurtbeeld.duckdb").resolve()
    job_id = _job_id(site.upload(national, "cbs"))
    assert site.wait(job_id)["status"] == "mislukt"
    page = site.client.get(f"/beheer/imports/{job_id}").text
    assert "Foutcode: <code>BB-WS-011</code>" in page and "Traceback" not in page
    assert (site.root / "buurtbeeld.duckdb").resolve() == before  # no new generation
    assert site.client.get("/beheer/imports").status_code == 200  # the app itself runs on
    monkeypatch.delenv(ENV_MEMORY)  # the default cap (8 GB) is enough for the same file
    assert site.wait(_job_id(site.upload(national, "cbs")), timeout=600)["status"] == "klaar"


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_runner_killed_at_its_memory_limit_says_memory_other_deaths_say_unexpected(
    empty_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: int
) -> None:
    """Under load the runner of the national KWB in 1 GB died by an abort of the C library
    (no thread-local memory for a new thread) before Python saw a MemoryError: the page said
    "stopte onverwacht". Killed as the OOM killer kills, or aborted, it now says memory, with
    the limit; another signal stays an unexpected stop."""
    url = f"sqlite:///{tmp_path / 'platform.sqlite'}"
    monkeypatch.setenv(ENV_DATABASE_URL, url)
    monkeypatch.setenv(ENV_MEMORY, "1000")
    root = empty_workspace.root
    with open_platform(None, url=url) as db:
        jobs = JobStore(db)
        job = jobs.create("cbs", "kwb.csv", "1" * 64, 10, "iemand")
        folder = upload_dir(root, job.id)
        folder.mkdir(parents=True)
        write_kwb_csv(folder / "kwb.csv")
        process = spawn(root, job.id, db)
        process.send_signal(how)
        deadline = time.monotonic() + 60
        while jobs.get(job.id).active:
            assert time.monotonic() < deadline, "the watcher did not mark the job"
            time.sleep(0.1)
        failed = jobs.get(job.id)
        assert failed.status == "mislukt"
        if how == signal.SIGKILL:
            assert failed.error_code == "BB-WS-011"
            assert failed.error_message and "1000 MB" in failed.error_message
        else:
            assert failed.error_code == "BB-JOB-004"
        assert not folder.exists()


def test_the_memory_setting_is_read_with_a_default() -> None:
    assert memory_cap_mb({}) == DEFAULT_MEMORY_MB
    assert memory_cap_mb({ENV_MEMORY: "2048"}) == 2048
    assert memory_cap_mb({ENV_MEMORY: "0"}) is None  # 0: no cap
    assert memory_cap_mb({ENV_MEMORY: "veel"}) == DEFAULT_MEMORY_MB  # not a number: the default


def test_a_refused_cbs_file_shows_its_code(site: Site, tmp_path: Path) -> None:
    header, rows = kwb_rows()
    rows[1][header.index("a_inw")] = "-5"
    bad = write_kwb_csv(tmp_path / "kwb-2023-fout.csv", rows_override=rows)
    job_id = _job_id(site.upload(bad, "cbs"))
    assert site.wait(job_id)["status"] == "mislukt"
    page = site.client.get(f"/beheer/imports/{job_id}").text
    assert "Foutcode: <code>BB-IMP-" in page and 'role="alert"' in page


def test_upload_refusals_are_coded(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = tmp_path / "notities.txt"
    text.write_text("geen CBS\n", encoding="utf-8")
    wrong = site.upload(text, "cbs")
    assert wrong.status_code == 400 and "BB-JOB-012" in wrong.text  # type: ignore[attr-defined]
    assert site.upload(None, "cbs").status_code == 400  # type: ignore[attr-defined]
    empty = tmp_path / "kwb-2023-leeg.csv"
    empty.write_bytes(b"")
    assert "BB-JOB-014" in site.upload(empty, "cbs").text  # type: ignore[attr-defined]
    unknown = site.upload(variant(tmp_path, 1), "iets")
    assert unknown.status_code == 400 and "BB-JOB-010" in unknown.text  # type: ignore[attr-defined]
    # one at a time: while a job waits or runs, a second upload is refused
    with open_platform(None, url=site.db_url) as db:
        waiting = JobStore(db).create("cbs", "ander.csv", "0" * 64, 1, "test-beheerder")
        busy = site.upload(variant(tmp_path, 2), "cbs")
        assert busy.status_code == 409 and "BB-JOB-001" in busy.text  # type: ignore[attr-defined]
        JobStore(db).fail(waiting.id, "BB-JOB-003", "test", None)
    # larger than the limit: refused before the body is read
    monkeypatch.setenv("BUURTBEELD_UPLOAD_MAX_MB", "1")
    big = tmp_path / "kwb-2023-groot.csv"
    big.write_bytes(b"x" * (2 * 1024 * 1024))
    too_big = site.upload(big, "cbs")
    assert too_big.status_code == 413 and "BB-JOB-013" in too_big.text  # type: ignore[attr-defined]
    # a lezer may not upload (the route table)
    assert site.upload(variant(tmp_path, 4), "cbs", role="lezer").status_code == 403  # type: ignore[attr-defined]
    assert not [e for e in site.audit() if e["gebeurtenis"] == "import_gestart"]


def test_a_job_page_that_does_not_exist_is_404(site: Site) -> None:
    site.as_role("beheerder")
    for path in ("/beheer/imports/999", "/beheer/imports/abc", "/beheer/imports/999/status"):
        response = site.client.get(path)
        assert response.status_code == 404 and "BB-JOB-002" in response.text, path


@pytest.mark.parametrize("backend", BACKENDS)
def test_job_store_one_at_a_time_and_stale_jobs(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'platform.sqlite'}"
    else:
        cluster: Cluster = request.getfixturevalue("postgres_cluster")
        url = cluster.new_database()
    with open_platform(None, url=url) as db:
        jobs = JobStore(db)
        first = jobs.create("cbs", "a.csv", "1" * 64, 10, "iemand")
        with pytest.raises(JobError) as refused:
            jobs.create("cbs", "b.csv", "2" * 64, 10, "iemand")
        assert refused.value.code == "BB-JOB-001" and "a.csv" in refused.value.message
        assert jobs.start(first.id) and not jobs.start(first.id)
        jobs.progress(first.id, "Schrijven")
        assert jobs.get(first.id).step == "Schrijven"
        jobs.finish(first.id, {"samenvatting": "klaar", "tabel": [["inwoners", "2023", 1, 0]]})
        done = jobs.get(first.id)
        assert done.status == "klaar" and done.report == {
            "samenvatting": "klaar",
            "tabel": [["inwoners", "2023", 1, 0]],
        }
        second = jobs.create("cbs", "b.csv", "2" * 64, 10, "iemand")  # free again
        assert jobs.start(second.id)
        with db.begin() as con:  # the runner died long ago: no heartbeat
            from sqlalchemy import update

            from buurtbeeld.platform.tables import import_jobs

            con.execute(
                update(import_jobs)
                .where(import_jobs.c.id == second.id)
                .values(heartbeat_at=done.created_at - timedelta(minutes=10))
            )
        assert jobs.get(second.id).error_code == "BB-JOB-003"
        assert jobs.active() is None
        assert json.dumps(jobs.get(second.id).as_dict())


def test_an_uploaded_file_name_loses_its_folders_and_keeps_its_end(
    site: Site, tmp_path: Path
) -> None:
    path = variant(tmp_path, 5)
    job_id = _job_id(site.upload(path, "cbs", name="../../" + "a" * 300 + "-kwb-2023.csv"))
    assert site.wait(job_id)["status"] == "klaar"  # the year still comes from the name
    with open_platform(None, url=site.db_url) as db:
        name = JobStore(db).get(job_id).file_name
    assert "/" not in name and ".." not in name and len(name) <= 120
    assert name.endswith("-kwb-2023.csv")
