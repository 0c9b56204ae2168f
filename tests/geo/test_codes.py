import pytest

from buurtbeeld.errors import RegionCodeError
from buurtbeeld.geo.codes import RegionLevel, gemeente_of, level_of, normalize_code, parent_of


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("GM0505    ", "GM0505"),
        ("  bu05050101", "BU05050101"),
        ("NL01", "NL00"),
        ("WK0363AA", "WK0363AA"),
    ],
)
def test_normalize_strips_cbs_padding_and_maps_country(raw: str, code: str) -> None:
    assert normalize_code(raw) == code


@pytest.mark.parametrize("raw", ["", "GM505", "BU0505010", "XX0505", "GM0505-1", "Dordrecht"])
def test_malformed_codes_are_refused_with_a_dutch_hint(raw: str) -> None:
    with pytest.raises(RegionCodeError, match="geen geldige CBS-regiocode") as info:
        normalize_code(raw)
    assert info.value.code == "BB-GEO-001"
    assert "GM0505" in info.value.hint


def test_hierarchy_is_derived_from_the_digits() -> None:
    assert parent_of("BU05050101") == "WK050501"
    assert parent_of("WK050501") == "GM0505"
    assert parent_of("GM0505") == "NL00"
    assert parent_of("NL00") is None
    assert parent_of("BU0363AA01") == "WK0363AA"
    assert gemeente_of("BU06420203") == "GM0642"
    assert level_of("WK064202") is RegionLevel.WIJK
