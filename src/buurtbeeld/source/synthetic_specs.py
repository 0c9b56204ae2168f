"""The delivery spec (YAML) that goes with each generated register extract."""

from __future__ import annotations

from buurtbeeld.source.synthetic_registers import REGISTERS


def demo_spec(gemeente: str = "GM0505", year: int = 2024, register: str = "wmo") -> str:
    """The delivery spec (YAML) for a generated extract (examples/bron/ holds them for GM0505)."""
    head = f"gemeente: {gemeente}\nindelingsjaar: 2023\nprofiel: cbs-zorg\n"
    if register == "wmo":
        return f"""# Wmo-cliënten per buurt, naar voorziening en leeftijd (synthetische demo-export).
dataset: wmo
bron: Wmo-team gemeente (demo)
{head}bestanden:
  - pad: wmo_export.csv
    scheidingsteken: ";"
    tekenset: cp1252
eenheid: personen
sleutels:
  persoon: clientnr
  huishouden: huishoudnr
regio:
  postcode: postcode
  koppeltabel: postcode_buurt.csv
periode:
  soort: gedurende
  begin: startdatum
  einde: einddatum
  formaat: "%d-%m-%Y"
  jaar: {year}
dimensies:
  - naam: voorziening
    kolom: voorziening
    meerdere_per_eenheid: true
    waarden:
      Hulp bij het huishouden: hulp bij het huishouden
      Begeleiding individueel: begeleiding
      Dagbesteding: begeleiding
      Hulpmiddelen: hulpmiddelen
      Woonvoorziening – traplift: woonvoorziening
      Vervoer (regiotaxi): vervoer
  - naam: leeftijd
    kolom: geboortedatum
    soort: leeftijd
    klassen: [0, 65, 75]
tabellen:
  - naam: voorzieningen
    titel: Wmo-cliënten naar voorziening
    dimensies: [voorziening]
    richting: hoger_is_slechter
  - naam: leeftijd
    titel: Wmo-cliënten naar leeftijd
    dimensies: [leeftijd]
    richting: hoger_is_slechter
"""
    if register == "jeugdhulp":
        return f"""# Jongeren met jeugdhulp per buurt, naar hulpvorm (synthetische XLSX-export).
dataset: jeugdhulp
bron: Jeugdhulpregio (demo)
{head}bestanden:
  - pad: jeugdhulp.xlsx
    blad: Trajecten
eenheid: personen
sleutels:
  persoon: bsn
  huishouden: huishouden
regio:
  buurtcode: buurtcode
periode:
  soort: gedurende
  begin: begindatum
  einde: einddatum
  formaat: "%Y-%m-%d"
  jaar: {year}
dimensies:
  - naam: hulpvorm
    kolom: hulpvorm
    meerdere_per_eenheid: true
tabellen:
  - naam: jongeren
    titel: Jongeren met jeugdhulp naar hulpvorm
    dimensies: [hulpvorm]
    richting: hoger_is_slechter
  - naam: huishoudens
    titel: Huishoudens met jeugdhulp
    eenheid: huishoudens
    richting: hoger_is_slechter
"""
    if register == "bijstand":
        return f"""# Personen met bijstand op peildatum per kwartaal (synthetische Parquet-export).
dataset: bijstand
bron: Team Werk en Inkomen (demo)
{head}bestanden:
  - pad: bijstand.parquet
eenheid: personen
sleutels:
  persoon: bsn
  huishouden: huishoudnr
regio:
  postcode: postcode
  koppeltabel:
    pad: postcode_buurt.csv
    scheidingsteken: ";"
periode:
  soort: peildatum
  begin: ingangsdatum
  einde: einddatum
  per: kwartaal
  van: {year}-01-01
  tot: {year}-12-31
tabellen:
  - naam: personen
    titel: Personen met bijstand (peildatum einde kwartaal)
    richting: hoger_is_slechter
"""
    if register == "schuldsignalen":
        return f"""# Huishoudens met betalingsachterstanden per schuldeiser (synthetische vroegsignalen).
dataset: schuldsignalen
bron: Vroegsignalering schulden (demo)
{head}bestanden:
  - pad: schuldsignalen.csv
eenheid: huishoudens
sleutels:
  huishouden: huishoudnr
decimaalteken: ","
regio:
  postcode: postcode
  koppeltabel: postcode_buurt.csv
periode:
  soort: gedurende
  begin: signaaldatum
  formaat: "%Y%m%d"
  jaar: {year}
dimensies:
  - naam: schuldeiser
    kolom: schuldeiser
    meerdere_per_eenheid: true
tabellen:
  - naam: huishoudens
    titel: Huishoudens met een betalingsachterstand naar schuldeiser
    dimensies: [schuldeiser]
    richting: hoger_is_slechter
  - naam: achterstand
    titel: Som van de achterstanden naar schuldeiser (euro)
    maat: som
    kolom: achterstand
    dimensies: [schuldeiser]
    richting: hoger_is_slechter
"""
    raise ValueError(f"unknown register {register!r}; choose from {REGISTERS}")


SPEC_FILES = {r: f"{r}.yaml" for r in REGISTERS}
