"""The linked package: manifest, report and signed file of a protected linked delivery."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from buurtbeeld import __version__
from buurtbeeld.package_format import (
    FORMAT,
    SIGNED_VERSION,
    SigningKey,
    linkage_to_manifest,
    write_package,
)
from buurtbeeld.source.keys import signing_key
from buurtbeeld.source.ledger import check_no_revision, record_made, sent_ledgers, sent_packages
from buurtbeeld.source.link_partners import partner_keys
from buurtbeeld.source.link_protection import LinkedCountsLike, LinkedDelivery, protect_link
from buurtbeeld.source.package import rounding_seed, table_entries
from buurtbeeld.source.protection import ProtectedDelivery


def linked_manifest(linked: LinkedDelivery) -> dict[str, Any]:
    """The manifest fields of a linked package (``bestanden`` is added by the writer)."""
    delivery = linked.delivery
    agg = delivery.aggregation
    spec = agg.spec
    periods = [p.label for p in agg.periods]
    units = sorted({t.unit for t in agg.tables})
    return {
        "formaat": FORMAT,
        "versie": SIGNED_VERSION,
        "bron": spec.bron,
        "dataset": spec.dataset,
        "eenheid": "huishoudens" if "huishoudens" in units else units[0],
        "periode": periods[0] if len(periods) == 1 else f"{periods[0]}/{periods[-1]}",
        "perioden": periods,
        "gebied": [g for g in spec.gemeenten if g.startswith("GM")],
        "indelingsjaar": spec.indelingsjaar,
        "profiel": spec.profiel,
        "software": f"buurtbeeld {__version__}",
        "engine": agg.engine,
        "spec_sha256": spec.sha256(),
        "verborgen_per_reden": _one(delivery.hidden_by_reason()),
        "tabellen": table_entries(delivery),
        "koppeling": linkage_to_manifest(linked.linkage),
    }


def _one(by_reason: dict[str, int]) -> dict[str, int]:
    total = sum(by_reason.values())
    return {"verborgen": total} if total else {}


def linked_report(linked: LinkedDelivery, manifest: Mapping[str, Any]) -> str:
    """The Dutch report of a linked package: what it holds and how it was protected (no
    hidden value, no count per region, no pseudonym)."""
    delivery = linked.delivery
    spec = delivery.aggregation.spec
    lines = [
        f"# Beveiligingsrapport stapeling: {spec.bron} — {spec.dataset}, {manifest['periode']}",
        "",
        "Gekoppelde telling van voorzieningen van meerdere partners (regel: laatste adres over alle",
        "extracten). Het pakket bevat **geen verborgen waarde, geen pseudoniem en geen gegevens over",
        "personen**: alleen beveiligde aantallen per combinatie van voorzieningen.",
        "",
        "| voorziening | partner | beveiligd samen met | zonder verhuizers |",
        "|---|---|---|---|",
    ]
    for p in linked.linkage.provisions:
        table = f"`{p.dataset}.{p.table}`" if p.table else "— (geen pakket)"
        quiet = ", ".join(f"{u} {per}" for u, per in p.no_movers) or "—"
        lines.append(f"| {p.title} | {p.source} | {table} | {quiet} |")
    lines += ["", "| tabel | cellen | gepubliceerd | verborgen |", "|---|---|---|---|"]
    for out in delivery.outputs:
        hidden = sum(out.hidden_by_reason.values())
        lines.append(
            f"| `{out.name}` | {out.data.num_rows} | {out.data.num_rows - hidden} | {hidden} |"
        )
    lines += [
        "",
        "## Hoe is beveiligd",
        "",
        f"- Profiel `{spec.profiel}`, secundaire onderdrukking en aanvalscontrole (lineaire",
        "  programmering) over alle niveaus, combinaties en perioden, **samen met de gepubliceerde",
        "  cijfers van de partners**: geen combinatie is door aftrekken uit hun pakketten terug te",
        "  rekenen, en geen aantal verhuizers (eenheden die de koppelregel in een andere buurt",
        "  plaatst dan het eigen extract) in het verborgen bereik is in te sluiten.",
        "- Waar niemand verhuisde, draagt een gepubliceerde marge dezelfde afgeronde waarde als bij",
        "  de partner (nooit twee afrondingen van hetzelfde aantal).",
        "- Handtekeningen van de partnerpakketten zijn gecontroleerd met hun publieke sleutels.",
        "",
        f"- Software: {manifest['software']}; specificatie (SHA-256): `{manifest['spec_sha256']}`.",
        "",
    ]
    return "\n".join(lines)


def write_linked_package(linked: LinkedDelivery, target: Path, key: SigningKey) -> Path:
    """Write the linked delivery as one package signed by the linking party's key."""
    manifest = linked_manifest(linked)
    report = linked_report(linked, manifest)
    return write_package(
        target, manifest, {o.name: o.data for o in linked.delivery.outputs}, report=report, key=key
    )


def package_release(linked: LinkedDelivery) -> ProtectedDelivery:
    """The delivery as the ledger records it: the package's cells and their relations only.

    The partner cells are the partners' own publication (a later run reads them again from
    their packages: interval-known, not "hidden by this package"), the mover cells are never
    published; a later run of the same dataset adds both again with the same keys.
    """
    runs = {}
    for name, run in linked.delivery.runs.items():
        keep = [i for i, key in enumerate(run.keys) if key not in linked.joint]
        runs[name] = dataclasses.replace(
            run,
            keys=tuple(run.keys[i] for i in keep),
            values=tuple(run.values[i] for i in keep),
            statuses=tuple(run.statuses[i] for i in keep),
            relations=tuple(
                r
                for r in run.relations
                if r.total not in linked.joint and not any(p in linked.joint for p in r.parts)
            ),
        )
    return dataclasses.replace(linked.delivery, runs=runs)


def make_linked_package(
    counts: LinkedCountsLike, target: Path, partner_key_files: Sequence[Path]
) -> tuple[Path, LinkedDelivery, bool]:
    """Protect linked counts with the partners' packages and the linking party's sent packages,
    and write the signed package.

    What ``buurtbeeld koppel`` does after linking: the rounding seed and the signing key are
    the linking party's own, beside the koppelspec (``zaadbestand``; created on first use, as
    for a partner's delivery); ``partner_key_files`` are the partners' ``.pub`` files. As for a
    partner's delivery (:mod:`buurtbeeld.source.ledger`), every package of the same dataset
    marked *verzonden* in the koppelspec's ``logboek`` is protected together with this one, a
    delivery that counts a sent cell differently is refused (``BB-BRON-002``), and the new
    package is recorded as *gemaakt*. ``True`` when the signing key was just created.
    """
    spec: Any = counts.spec
    seed = rounding_seed(spec)
    key, created = signing_key(spec)  # before the long run: a bad key file stops it at once
    sent = sent_packages(spec) if spec.logboek is not None else []
    check_no_revision(counts.to_aggregation(), seed, sent)
    ledgers, earlier = sent_ledgers(spec, sent)
    linked = protect_link(
        counts,
        seed=seed,
        trusted=partner_keys(partner_key_files),
        ledger=ledgers.get("aantallen"),
    )
    linked.earlier = len(earlier)
    path = write_linked_package(linked, target, key)
    if spec.logboek is not None:
        record_made(spec, package_release(linked), path, seed=seed)
    return path, linked, created
