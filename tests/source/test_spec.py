"""The delivery spec: validation with Dutch messages naming file, line and field; periods."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from buurtbeeld.source.errors import SpecError
from buurtbeeld.source.periods import compile_format, period_of, periods_between
from buurtbeeld.source.spec import load_spec, parse_spec
from buurtbeeld.source.synthetic import REGISTERS, demo_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "bron"

MINIMAL = """dataset: wmo
bron: test
gemeente: GM0505
bestanden:
  - pad: wmo.csv
sleutels:
  persoon: clientnr
regio:
  buurtcode: buurt
periode:
  begin: start
  jaar: 2024
tabellen:
  - naam: clienten
    titel: Cliënten
"""


def test_minimal_spec_is_valid_and_hash_ignores_folders() -> None:
    a = parse_spec(MINIMAL, base=Path("/een/map"))
    b = parse_spec(MINIMAL, base=Path("/andere/map"))
    assert a.bestanden[0].pad == Path("/een/map/wmo.csv")
    assert a.sha256() == b.sha256()
    assert [p.label for p in a.periode.periods()] == ["2024"]
    assert a.engine == "duckdb" and a.profiel == "cbs-zorg"


@pytest.mark.parametrize("register", REGISTERS)
def test_example_specs_are_the_generated_ones_and_valid(register: str) -> None:
    path = EXAMPLES / f"{register}.yaml"
    assert path.read_text(encoding="utf-8") == demo_spec("GM0505", 2024, register)
    spec = load_spec(path)
    assert spec.dataset == register


def test_unknown_field_names_file_line_and_field() -> None:
    text = MINIMAL.replace("  jaar: 2024", "  jaar: 2024\n  peil: einde")
    with pytest.raises(SpecError) as info:
        parse_spec(text, name="wmo.yaml")
    err = info.value
    assert err.code == "BB-SPEC-001"
    assert "wmo.yaml, regel 13, veld 'periode.peil': onbekend veld" in err.message
    assert err.hint


def test_semantic_errors_are_dutch_and_located() -> None:
    text = MINIMAL.replace("    titel: Cliënten", "    titel: Cliënten\n    dimensies: [leeftijd]")
    with pytest.raises(SpecError, match="onbekende dimensie 'leeftijd'"):
        parse_spec(text)
    text = MINIMAL.replace("  buurtcode: buurt", "  postcode: pc")
    with pytest.raises(SpecError, match="koppeltabel"):
        parse_spec(text)
    text = MINIMAL.replace("gemeente: GM0505", "gemeente: Dordrecht")
    with pytest.raises(SpecError, match=r"regel 3, veld 'gemeente'.*geen gemeentecode"):
        parse_spec(text)
    text = MINIMAL.replace("  begin: start", "  begin: start\n  soort: peildatum")
    with pytest.raises(SpecError, match="einddatum"):
        parse_spec(text)
    text = MINIMAL.replace("  jaar: 2024", "  jaar: 2024\n  per: maand\n  formaat: '%Y'")
    with pytest.raises(SpecError, match="te grof"):
        parse_spec(text)


def test_counting_households_needs_the_household_column() -> None:
    text = MINIMAL.replace("    titel: Cliënten", "    titel: Cliënten\n    eenheid: huishoudens")
    with pytest.raises(SpecError, match=r"sleutels\.huishouden"):
        parse_spec(text)


def test_invalid_yaml_and_missing_file() -> None:
    with pytest.raises(SpecError, match=r"regel \d+\): geen geldige YAML"):
        parse_spec("dataset: [unclosed\nbron: x", name="x.yaml")
    with pytest.raises(SpecError, match="niet te lezen"):
        load_spec(Path("/bestaat/niet.yaml"))


def test_date_formats() -> None:
    fmt = compile_format("%d-%m-%Y")
    assert fmt.granularity == "dag" and fmt.groups == {"d": 1, "m": 2, "Y": 3}
    assert compile_format("%Y%m").granularity == "maand"
    assert compile_format("%Y").granularity == "jaar"
    with pytest.raises(ValueError, match="onbekende code"):
        compile_format("%d/%b/%Y")
    with pytest.raises(ValueError, match="jaar"):
        compile_format("%d-%m")


def test_periods() -> None:
    assert period_of(date(2024, 2, 29), "kwartaal").label == "2024-K1"
    assert period_of(date(2024, 12, 31), "maand").end == date(2024, 12, 31)
    months = periods_between(date(2023, 11, 15), date(2024, 2, 1), "maand")
    assert [p.label for p in months] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert months[3].end_int == 20240229
    quarters = periods_between(date(2024, 1, 1), date(2024, 12, 31), "kwartaal")
    assert [p.label for p in quarters] == ["2024-K1", "2024-K2", "2024-K3", "2024-K4"]
