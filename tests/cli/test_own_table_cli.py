"""``buurtbeeld importeer-tabel`` on the command line (issue 17 item 3): a table per postcode-4
area with the user's lookup, summed per buurt, the Dutch report; a second run changes nothing;
an unknown postcode is a coded Dutch error that leaves the workspace as it was."""

from __future__ import annotations

import random
from pathlib import Path

from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.store.workspace import Workspace
from tests.store.test_own_table import _buurten, _definition, _stored, _write_csv
from tests.store.test_statline_import import fingerprint

runner = CliRunner()


def test_importeer_tabel_with_postcode4_areas(filled_workspace: Workspace, tmp_path: Path) -> None:
    buurten = _buurten(filled_workspace)[:12]
    rng = random.Random(4)
    lookup, rows, expected = [], [], {c: [0, 0] for c in buurten}
    for number in range(30):  # 30 postcode areas of four digits, several per buurt
        postcode, code = str(3300 + number), buurten[number % len(buurten)]
        lookup.append([postcode, code[2:]])  # the user's lookup may give codes without prefix
        debts, households = rng.randint(0, 6), rng.randint(40, 300)
        rows.append([postcode, 2024, debts, households])
        expected[code][0] += debts
        expected[code][1] += households
    _write_csv(tmp_path / "pc4.csv", ["postcode", "buurtcode"], lookup)
    data = _write_csv(tmp_path / "pc4_tabel.csv", ["pc4", "jaar", "schulden", "huishoudens"], rows)
    definition = _definition(
        tmp_path, region="pc4", kind="postcode", extra=", postcodetabel: pc4.csv"
    )
    args = ["importeer-tabel", str(data), "--definitie", str(definition)]
    args += ["-w", str(filled_workspace.root)]

    result = runner.invoke(app, args)

    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "Geïmporteerd: pc4_tabel.csv" in output and "12 rijen" in output
    small = sum(1 for debts, _ in expected.values() if debts <= 7)
    assert small > 0 and f"{small}× klein aantal" in output
    assert "eigen_schulden_pct: openbaar" in output
    stored = _stored(filled_workspace)
    for code, (debts, households) in expected.items():
        assert stored[("eigen_schulden_huishoudens", code)][0] == households
        got = stored[("eigen_schulden_schulden", code)]
        assert got == ((None, "hidden", "klein_aantal") if debts <= 7 else (debts, "value", None))

    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "er is niets veranderd" in " ".join(again.output.split())

    before = fingerprint(filled_workspace)
    _write_csv(data, ["pc4", "jaar", "schulden", "huishoudens"], [*rows, ["9999", 2024, 30, 500]])
    refused = runner.invoke(app, args)
    output = " ".join(refused.output.split())
    assert refused.exit_code == 2 and "Fout BB-TAB-003" in output and "Oplossing:" in output
    assert "1 postcode niet in de postcodetabel" in output
    assert fingerprint(filled_workspace) == before
