"""End to end: synthetic research table → ``bron risicofactoren`` → ``importeer-pakket`` → page.

The estimates on the page and in the CSV are the ones in the signed package (read back from
its manifest here, not computed again); withheld estimates are shown as withheld with the
reason; the page is internal and says the estimates are group-level only.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from buurtbeeld.cli.main import app as cli
from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.store.public_workspace import write_public_workspace
from buurtbeeld.store.workspace import open_workspace
from buurtbeeld.web.app import create_app
from tests.conftest import copy_workspace

GROUP_LEVEL = "op groepsniveau, nooit een score voor een persoon"


@dataclass(frozen=True)
class RiskSite:
    root: Path
    package: Path
    field: dict[str, Any]
    client: TestClient


def build_risk_workspace(
    folder: Path, template: Path, *, extra_spec: str = ""
) -> tuple[Path, Path]:
    """The demo research table through the toolkit and into a copy of ``template``."""
    runner = CliRunner()
    data = folder / "onderzoek"
    result = runner.invoke(
        cli, ["bron", "genereer", str(data), "--register", "wmo", "--risicofactoren"]
    )
    assert result.exit_code == 0, result.output
    spec = data / "risicofactoren.yaml"
    if extra_spec:
        spec.write_text(spec.read_text(encoding="utf-8") + extra_spec, encoding="utf-8")
    result = runner.invoke(cli, ["bron", "risicofactoren", str(spec)])
    assert result.exit_code == 0, result.output
    package = data / "risicofactoren_jeugdhulp-GM0505-2024.zip"
    root = folder / "werkmap"
    copy_workspace(template, root)
    public = data / "onderzoeksomgeving-demo-sleutel.pub"
    result = runner.invoke(
        cli, ["partner", "registreer", "onderzoek", str(public), "--werkmap", str(root)]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["importeer-pakket", str(package), "--werkmap", str(root)])
    assert result.exit_code == 0, result.output
    assert "Risicoschattingen op groepsniveau opgeslagen" in result.output
    return root, package


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, filled_workspace_template: Path
) -> Iterator[RiskSite]:
    root, package = build_risk_workspace(
        tmp_path_factory.mktemp("risico"), filled_workspace_template
    )
    with zipfile.ZipFile(package) as archive:
        field = json.loads(archive.read("manifest.json"))["risicofactoren"]
    with TestClient(create_app(root, auth=None), base_url="http://127.0.0.1") as client:
        yield RiskSite(root, package, field, client)


def _dutch(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def test_the_page_shows_the_released_estimates_of_the_package(site: RiskSite) -> None:
    page = site.client.get("/gemeente/GM0505/risicofactoren")
    assert page.status_code == 200, page.text
    text = " ".join(page.text.split())
    assert GROUP_LEVEL in text
    assert "Periode: 2024" in text and "Bron: Onderzoeksomgeving" in text
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in page.text
    for factor in site.field["factoren"]:
        assert factor["titel"] in text
        adjusted = factor["rr_gecorrigeerd"]
        if "rr" in adjusted:
            shown = (
                f"{_dutch(adjusted['rr'], 2)} ({_dutch(adjusted['laag'], 2)}–"
                f"{_dutch(adjusted['hoog'], 2)})"
            )
            assert shown in text
        prevalence = factor["prevalentie"]
        if "aandeel" in prevalence:
            assert f"{_dutch(100 * prevalence['aandeel'], 1)} %" in text
    share = site.field["aandeel_uitkomst"]["aandeel"]
    assert f"{_dutch(100 * share, 1)} %" in text


def test_the_csv_holds_the_same_numbers_with_source_and_period(site: RiskSite) -> None:
    response = site.client.get("/gemeente/GM0505/risicofactoren.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text), delimiter=";"))
    by_key = {(r["factor"], r["schatting"]): r for r in rows}
    for factor in site.field["factoren"]:
        crude = factor["rr_ruw"]
        row = by_key[(factor["titel"], "relatief risico, ruw")]
        if "rr" in crude:
            assert row["waarde"] == _dutch(crude["rr"], 2)
            assert (row["ondergrens_95"], row["bovengrens_95"]) == (
                _dutch(crude["laag"], 2),
                _dutch(crude["hoog"], 2),
            )
            assert row["status"] == "vrijgegeven"
        else:
            assert row["waarde"] == "" and row["status"] == "achtergehouden" and row["reden"]
    assert {r["periode"] for r in rows} == {"2024"}
    assert all(GROUP_LEVEL in r["bron"] for r in rows)


def test_an_unknown_outcome_or_a_buurt_is_not_found(site: RiskSite) -> None:
    response = site.client.get("/gemeente/GM0505/risicofactoren?uitkomst=onbekend")
    assert response.status_code == 404 and "BB-RSK-031" in response.text
    response = site.client.get("/gemeente/WK050501/risicofactoren")
    assert response.status_code == 404 and "BB-RSK-030" in response.text
    response = site.client.get("/gemeente/GM0363/risicofactoren")
    assert response.status_code == 200 and "geen risicoschattingen" in response.text
    empty = site.client.get("/gemeente/GM0363/risicofactoren.csv")
    assert empty.status_code == 200 and len(empty.text.splitlines()) == 1  # the header only


def test_the_estimates_are_internal(site: RiskSite) -> None:
    with TestClient(
        create_app(site.root, auth=AuthConfig(session_secret="x" * 40)),
        base_url="https://127.0.0.1",
    ) as anonymous:
        page = anonymous.get("/gemeente/GM0505/risicofactoren", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/inloggen")
        csv_response = anonymous.get("/gemeente/GM0505/risicofactoren.csv", follow_redirects=False)
        assert csv_response.status_code in (303, 403) and "jeugdhulp" not in csv_response.text
        analysis = anonymous.get("/gemeente/GM0505/analyse")
        assert analysis.status_code == 200 and "/risicofactoren" not in analysis.text
    analysis = site.client.get("/gemeente/GM0505/analyse")  # the local viewer sees the link
    assert "/gemeente/GM0505/risicofactoren" in analysis.text


EXTRA = """
  - {naam: zeldzaam, kolom: zeldzaam, titel: Zeldzaam}
"""


def test_withheld_estimates_are_shown_as_withheld_with_the_reason(
    tmp_path: Path, filled_workspace_template: Path
) -> None:
    """A factor that (nearly) no child has: every estimate of it is withheld (threshold)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    runner = CliRunner()
    data = tmp_path / "onderzoek"
    result = runner.invoke(
        cli, ["bron", "genereer", str(data), "--register", "wmo", "--risicofactoren"]
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(data / "kinderen.parquet")
    rare = [1 if i in (5, 900, 1800) else 0 for i in range(table.num_rows)]
    pq.write_table(
        table.append_column("zeldzaam", pa.array(rare, pa.int8())), data / "kinderen.parquet"
    )
    spec = data / "risicofactoren.yaml"
    text = spec.read_text(encoding="utf-8")
    marker = "factoren:\n"
    head, _, tail = text.partition(marker)
    spec.write_text(head + marker + EXTRA.lstrip("\n") + tail, encoding="utf-8")
    result = runner.invoke(cli, ["bron", "risicofactoren", str(spec)])
    assert result.exit_code == 0, result.output
    root = tmp_path / "werkmap"
    copy_workspace(filled_workspace_template, root)
    public = data / "onderzoeksomgeving-demo-sleutel.pub"
    assert (
        runner.invoke(
            cli, ["partner", "registreer", "onderzoek", str(public), "--werkmap", str(root)]
        ).exit_code
        == 0
    )
    package = data / "risicofactoren_jeugdhulp-GM0505-2024.zip"
    result = runner.invoke(cli, ["importeer-pakket", str(package), "--werkmap", str(root)])
    assert result.exit_code == 0, result.output
    with TestClient(create_app(root, auth=None), base_url="http://127.0.0.1") as client:
        page = " ".join(client.get("/gemeente/GM0505/risicofactoren").text.split())
    assert "Zeldzaam, prevalentie: te weinig kinderen in een groep (drempelregel)." in page
    assert "Zeldzaam, relatief risico, gecorrigeerd: te weinig kinderen in een groep" in page


def test_no_child_or_household_id_on_the_page_or_in_the_csv(site: RiskSite) -> None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    research = pq.read_table(site.package.parent / "kinderen.parquet")
    ids = {str(v) for v in research["kind"].to_pylist()}
    ids |= {str(v) for v in pc.unique(research["huishouden"]).to_pylist()}
    for url in ("/gemeente/GM0505/risicofactoren", "/gemeente/GM0505/risicofactoren.csv"):
        text = site.client.get(url).text
        found = set(re.findall(r"\b\d{6,}\b|HH\d+", text))
        assert not found & ids, f"an identifier of a child or household on {url}"
        assert "score" not in text.lower().replace("nooit een score", "").replace(
            "geen risicoscore", ""
        )


def test_the_public_copy_of_the_workspace_holds_no_estimates(
    site: RiskSite, tmp_path: Path
) -> None:
    source = open_workspace(site.root)
    con = source.connect(read_only=True)
    try:
        indicators = {r[0] for r in con.execute("SELECT id FROM indicator_def").fetchall()}
        imports = {int(r[0]) for r in con.execute("SELECT import_id FROM import_batch").fetchall()}
        stored = con.execute("SELECT count(*) FROM risk_estimate").fetchone()
    finally:
        con.close()
    assert stored is not None and stored[0] > 0
    # even with every indicator and import published, the estimates stay internal
    copy = write_public_workspace(
        source,
        tmp_path / "publiek",
        indicators=frozenset(indicators),
        overlap_datasets=frozenset(),
        import_ids=frozenset(imports),
    )
    con = copy.workspace.connect(read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM risk_estimate").fetchone() == (0,)
    finally:
        con.close()


def test_two_outcomes_are_listed_and_chosen(site: RiskSite, tmp_path: Path) -> None:
    from buurtbeeld.source.keys import signing_key
    from buurtbeeld.source.riskfactors_spec import load_risk_spec
    from tests.store.test_package_reader import resigned

    spec = load_risk_spec(site.package.parent / "risicofactoren.yaml")
    key, _ = signing_key(spec.delivery())

    def other_outcome(manifest: dict[str, Any]) -> None:
        field = manifest["risicofactoren"]
        field.update(uitkomst="jeugdbescherming", uitkomst_titel="Jeugdbescherming")
        field["aandeel_uitkomst"]["aandeel"] = 0.013

    forged = resigned(site.package, tmp_path / "tweede.zip", key, other_outcome)
    root = copy_workspace(site.root, tmp_path / "werkmap")
    result = CliRunner().invoke(cli, ["importeer-pakket", str(forged), "--werkmap", str(root)])
    assert result.exit_code == 0, result.output
    with TestClient(create_app(root, auth=None), base_url="http://127.0.0.1") as client:
        first = " ".join(client.get("/gemeente/GM0505/risicofactoren").text.split())
        assert "?uitkomst=jeugdhulp&amp;periode=2024" in first  # the other one, as a link
        assert "Kinderen met jeugdbescherming: <strong>1,3 %</strong>" in first
        chosen = client.get("/gemeente/GM0505/risicofactoren?uitkomst=jeugdhulp").text
        share = site.field["aandeel_uitkomst"]["aandeel"]
        assert f"<strong>{_dutch(100 * share, 1)} %</strong>" in chosen
        rows = client.get("/gemeente/GM0505/risicofactoren.csv?uitkomst=jeugdbescherming").text
        assert "Jeugdbescherming" in rows and "Jeugdhulp" not in rows
