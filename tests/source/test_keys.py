"""The source's signing key (``bron sleutel``) and the platform's partner register (``partner``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.store.partners import list_partners
from buurtbeeld.store.workspace import Workspace


def test_bron_sleutel_and_partner_commands(
    filled_workspace: Workspace, tmp_path: Path, generated_template: Path
) -> None:
    folder = tmp_path / "bron"
    shutil.copytree(generated_template, folder)
    for stale in folder.glob("*sleutel*"):
        stale.unlink()
    runner = CliRunner()
    made = runner.invoke(app, ["bron", "sleutel", str(folder / "wmo.yaml")])
    assert made.exit_code == 0 and "Sleutel gemaakt" in made.output, made.output
    private = next(folder.glob(".buurtbeeld-sleutel-*"))
    assert private.stat().st_mode & 0o077 == 0
    secret = private.read_text().splitlines()[1]
    assert secret not in made.output and "PRIVATE" not in made.output
    again = runner.invoke(app, ["bron", "sleutel", str(folder / "wmo.yaml")])
    assert "Bestaande sleutel" in again.output and private.read_text().splitlines()[1] == secret
    public = next(folder.glob("*-sleutel.pub"))
    root = str(filled_workspace.root)
    ok = runner.invoke(app, ["partner", "registreer", "wmo", str(public), "--werkmap", root])
    assert ok.exit_code == 0, ok.output
    twice = runner.invoke(app, ["partner", "registreer", "wmo2", str(public), "--werkmap", root])
    assert twice.exit_code == 2 and "BB-SIG-010" in twice.output
    bad = runner.invoke(app, ["partner", "registreer", "x", str(private), "--werkmap", root])
    assert bad.exit_code == 2 and "BB-SIG-003" in bad.output and secret not in bad.output
    listed = runner.invoke(app, ["partner", "lijst", "--werkmap", root])
    assert "wmo" in listed.output and "Wmo-team gemeente (demo)" in listed.output
    # a removed key signs nothing any more
    package = tmp_path / "wmo.zip"
    assert (
        runner.invoke(
            app, ["bron", "maak-pakket", str(folder / "wmo.yaml"), "--uit", str(package)]
        ).exit_code
        == 0
    )
    gone = runner.invoke(app, ["partner", "verwijder", "wmo", "--werkmap", root])
    assert gone.exit_code == 0 and list_partners(filled_workspace) == []
    refused = runner.invoke(app, ["importeer-pakket", str(package), "--werkmap", root])
    assert refused.exit_code == 2 and "BB-SIG-005" in refused.output
