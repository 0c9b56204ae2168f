"""The Dutch report for the partner's privacy officer (``rapport.md`` in the package).

It says what the package contains, how it was protected, how many cells were hidden per table,
level and reason, and how many rows were invalid per reason. It contains counts of cells and
rows and names of tables, levels and reasons — never a hidden value and never a record.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from buurtbeeld.protect import get_profile, smallest_published

if TYPE_CHECKING:
    from buurtbeeld.source.protection import ProtectedDelivery
    from buurtbeeld.source.spec import DeliverySpec

REASON_TEXT = {
    "te_klein_aantal": "te klein aantal (primair): het aantal valt in het verborgen bereik van het profiel",
    "gevoelig_bedrag": "gevoelig bedrag (primair): te weinig huishoudens, of één huishouden bepaalt het bedrag (p%-regel)",
    "secundair": "secundair: verborgen zodat een primair verborgen cel niet via totalen of andere tabellen terug te rekenen of nauw in te sluiten is",
}
LEVELS = ("land", "gemeente", "wijk", "buurt")


def _profile_text(name: str) -> str:
    profile = get_profile(name)
    rule = profile.frequency
    if rule is None:
        return name
    zeros = "nullen ook verborgen" if rule.hidden_min == 0 else "nullen gepubliceerd"
    return f"`{name}`: aantallen {rule.hidden_min} t/m {rule.hidden_max} verborgen ({zeros})"


def _period_kind(spec: DeliverySpec) -> str:
    period = spec.periode
    if period.peildatum is not None:
        return f"stand op {period.peildatum:%d-%m-%Y}: de export heeft geen datumkolom"
    return "telling op peildatum" if period.soort == "peildatum" else "telling gedurende de periode"


def delivery_report(delivery: ProtectedDelivery, manifest: dict[str, Any]) -> str:
    """The Markdown report of a protected delivery."""
    agg = delivery.aggregation
    spec = agg.spec
    rule = get_profile(spec.profiel).frequency
    base = get_profile(spec.profiel).rounding_base
    lines = [
        f"# Beveiligingsrapport: {spec.bron} — {spec.dataset}, {manifest['periode']}",
        "",
        "Dit rapport is bedoeld voor de privacyfunctionaris van de aanleverende organisatie. Het",
        "beschrijft wat dit pakket bevat en hoe het is beveiligd. Het bevat **geen enkele verborgen",
        "waarde en geen gegevens over personen**: alleen aantallen cellen en regels, en namen van",
        "tabellen, niveaus en redenen.",
        "",
        "## Wat het pakket bevat",
        "",
        f"- Bron: {spec.bron}; dataset `{spec.dataset}`; gebied {', '.join(spec.gemeenten)}, "
        f"indeling {spec.indelingsjaar}.",
        f"- Periode(n): {', '.join(p.label for p in agg.periods)} ({_period_kind(spec)}).",
        "- Er worden **unieke personen of huishoudens** geteld, nooit regels: wie meerdere regels",
        "  heeft, telt één keer (per categorie), in de buurt van zijn of haar laatste regel.",
        "",
        "| tabel | maat | eenheid | dimensies | cellen | gepubliceerd | verborgen primair | verborgen secundair |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for out in delivery.outputs:
        src = out.source
        hidden = out.hidden_by_reason
        primary = hidden.get("te_klein_aantal", 0) + hidden.get("gevoelig_bedrag", 0)
        secondary = hidden.get("secundair", 0)
        measure = "aantal" if src.measure == "aantal" else f"som van {src.spec.kolom} (euro)"
        lines.append(
            f"| `{src.name}` | {measure} | {src.unit} | {', '.join(src.dimensions) or '—'} | "
            f"{out.data.num_rows} | {out.data.num_rows - primary - secondary} | {primary} | {secondary} |"
        )
    lines += [
        "",
        "## Hoe is beveiligd",
        "",
        f"- Profiel {_profile_text(spec.profiel)}.",
        "- Secundaire onderdrukking (Gauss-eliminatie) over alle niveaus (buurt, wijk, gemeente),",
        "  alle categorietotalen, alle perioden en alle tabellen van deze levering samen, zodat",
        "  geen verborgen cel via optellen of aftrekken terug te rekenen is.",
        "- Een aanvalscontrole met lineaire programmering heeft elke verborgen cel gecontroleerd:"
        " geen enkele is terug te rekenen of binnen het verborgen bereik in te sluiten.",
    ]
    if base:
        lines.append(
            f"- Gepubliceerde aantallen zijn willekeurig afgerond op veelvouden van {base}, met een"
            " geheim zaad dat op uw machine blijft (`.buurtbeeld-zaad`); de kleinste gepubliceerde"
            f" waarde boven nul is {smallest_published(base, rule.hidden_max if rule else None)}."
            if rule
            else f"- Gepubliceerde aantallen zijn afgerond op veelvouden van {base}."
        )
    if any(o.source.measure == "som" for o in delivery.outputs):
        lines.append(
            "- Bedragen: p%-regel (p = 15) en minimaal 3 huishoudens per cel; daarnaast is een bedrag"
            " verborgen als het aantal bijdragende huishoudens zelf verborgen zou zijn."
            " Bedragen worden niet afgerond."
        )
    # what the package holds, not how the audit got there: the number of LPs and of audited
    # cells depends on the ledger and on how the system was split, and a re-made delivery must
    # give the same bytes
    for name, run in delivery.runs.items():
        r = run.report
        lines.append(
            f"- Aanvalscontrole {name}: {'geslaagd' if r.audit_passed else 'NIET geslaagd'}; "
            f"alle {r.n_primary + r.n_secondary} verborgen cellen van dit pakket gecontroleerd."
        )
    lines.append(
        "- Wat eerder verzonden pakketten van deze dataset publiceerden (het logboek), is in de"
        " onderdrukking en de aanvalscontrole meegenomen."
    )
    lines += ["", "## Wat is verborgen en waarom", ""]
    for key, text in REASON_TEXT.items():
        lines.append(f"- **{key}** — {text}.")
    lines += ["", "| tabel | niveau | cellen | verborgen |", "|---|---|---|---|"]
    for out in delivery.outputs:
        levels = out.data["niveau"].to_pylist()
        statuses = out.data["status"].to_pylist()
        per_level: Counter[str] = Counter(levels)
        hidden_level: Counter[str] = Counter(
            lv for lv, s in zip(levels, statuses, strict=True) if s in ("u", "x")
        )
        for level in LEVELS:
            if per_level[level]:
                lines.append(
                    f"| `{out.name}` | {level} | {per_level[level]} | {hidden_level[level]} |"
                )
    lines += [
        "",
        "Welke cellen verborgen zijn, staat in de tabellen zelf (status `u` primair, `x` secundair,",
        "waarde leeg). Verborgen waarden zijn niet in het pakket opgenomen.",
        "",
        "## Regels in de invoer",
        "",
        f"- Gelezen: {agg.rows_read} regels; geldig: {agg.valid_rows}; geldig maar buiten de"
        f" periode(n): {agg.outside_period}.",
    ]
    if agg.bad_rows:
        lines.append("- Ongeldig (geteld, niet getoond en niet meegeteld), per reden:")
        for reason, n in sorted(agg.bad_rows.items()):
            lines.append(f"  - {reason}: {n}")
    else:
        lines.append("- Geen ongeldige regels.")
    lines += [
        "",
        "## Controle",
        "",
        f"- Software: buurtbeeld ({manifest['software']}); engine {manifest['engine']}.",
        f"- Specificatie (SHA-256): `{manifest['spec_sha256']}`.",
        "- Elk bestand in het pakket staat met zijn SHA-256 in `manifest.json`; het platform weigert",
        "  een pakket waarvan één controlesom niet klopt en controleert de beveiliging opnieuw.",
        "",
    ]
    return "\n".join(lines)
