"""The Dutch report section of a risk-factor package (``rapport.md``): estimates and verdicts.

Only group-level numbers: shares in percent (one decimal), relative risks with their 95 %
intervals (two decimals), attributable fractions in percent. Never a count of a cell, never a
number per child or household. Withheld outputs are named with the reason.
"""

from __future__ import annotations

from buurtbeeld.source.riskfactors_estimate import RiskResults
from buurtbeeld.source.riskfactors_model import Estimate
from buurtbeeld.source.riskfactors_spec import RiskSpec

WITHHELD = "achtergehouden"


def dutch(value: float, decimals: int) -> str:
    """A number with a decimal comma."""
    return f"{value:.{decimals}f}".replace(".", ",")


def percent(value: float | None) -> str:
    """A share as ``12,3 %``, or :data:`WITHHELD`."""
    return WITHHELD if value is None else f"{dutch(100 * value, 1)} %"


def interval(est: Estimate | None) -> str:
    """``1,62 (1,41–1,85)``, or :data:`WITHHELD`."""
    if est is None:
        return WITHHELD
    return f"{dutch(est.rr, 2)} ({dutch(est.low, 2)}–{dutch(est.high, 2)})"


def risk_report(spec: RiskSpec, results: RiskResults, checked_hidden: int) -> str:
    """The section appended to the delivery report."""
    rules = spec.controle
    lines = [
        "",
        f"## Risicofactoren op groepsniveau: {spec.uitkomst.titel}",
        "",
        "Deze analyse beschrijft **groepen kinderen**, nooit een kind of een gezin. Er is geen",
        "risicoscore, kans of voorspelling per persoon of huishouden berekend, opgeslagen of",
        "meegestuurd (zie docs/risicofactoren.md: waarom niet).",
        "",
        f"- Kinderen met {spec.uitkomst.titel.lower()}: {percent(results.cases_share)} van alle"
        " kinderen in het gebied.",
        "- Een factor geldt voor het hele huishouden (heeft één regel van het huishouden de",
        "  factor, dan alle kinderen van dat huishouden).",
        "- Relatief risico (RR): hoeveel vaker kinderen mét de factor de uitkomst hebben dan",
        "  kinderen zonder. *Ruw*: alleen deze factor. *Gecorrigeerd*: in één model met de",
        "  andere factoren (Poisson-regressie met log-link; 95 %-betrouwbaarheidsintervallen",
        "  met robuuste standaardfouten, geclusterd per huishouden).",
        "- Toe te schrijven deel (PAF): welk deel van de kinderen met de uitkomst samenhangt met",
        "  de factor (Miettinen, met het gecorrigeerde RR). Dit is samenhang, geen bewezen",
        "  oorzaak.",
        "",
        "| factor | kinderen met factor | RR ruw (95 %-BI) | RR gecorrigeerd (95 %-BI) | toe te schrijven deel |",
        "|---|---|---|---|---|",
    ]
    for f in results.factors:
        paf = WITHHELD if f.paf is None else f"{dutch(100 * f.paf, 1)} %"
        lines.append(
            f"| {f.title} | {percent(f.prevalence)} | {interval(f.crude)} | "
            f"{interval(f.adjusted)} | {paf} |"
        )
    lines.append("")
    if results.model.released:
        lines.append(
            f"- Model: factoren {', '.join(results.model_factors)}; samen toe te schrijven deel "
            f"{percent(results.paf_all)}; risico zonder enige factor {percent(results.baseline)}."
        )
    lines += [
        "",
        "### Uitvoercontrole",
        "",
        "Elke uitkomst is vóór verzending gecontroleerd met de regels van de ESSnet-richtlijnen",
        "voor outputcontrole (zoals in SACRO/ACRO): minstens"
        f" {rules.minimum_aantal} kinderen en {rules.minimum_huishoudens} huishoudens in elke cel",
        f"achter een uitkomst; de {rules.dominantie_n} grootste huishoudens hebben samen niet meer"
        f" dan {dutch(100 * rules.dominantie_k, 0)} % van de kinderen van een cel; een model heeft",
        f"minstens {rules.minimum_vrijheidsgraden} resterende vrijheidsgraden.",
        "",
    ]
    withheld = [v for v in results.verdicts() if not v.released]
    if withheld:
        lines.append("Achtergehouden (niet in dit pakket):")
        lines.append("")
        for verdict in withheld:
            lines.append(f"- {verdict.output}: {'; '.join(verdict.reasons)}")
    else:
        lines.append("Alle uitkomsten zijn door de controle gekomen.")
    lines += [
        "",
        f"- Tabel per wijk: {checked_hidden} cellen verborgen door de uitvoercontrole (drempel,",
        "  één huishouden of dominantie), vóór de gewone beveiliging; die telt ze mee.",
        "",
    ]
    return "\n".join(lines)
