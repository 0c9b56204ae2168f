"""Group-level risk estimates in the workspace (issue 15 item 4): intake check, storage, reads.

A risk-factor package (``buurtbeeld bron risicofactoren``) carries, besides its protected table
of children by number of factors, the released estimates for one outcome over its whole area
(the manifest's ``risicofactoren`` field, :mod:`buurtbeeld.package_format.risk_estimates`). The
reader has already verified signature, schema and the field's own consistency; the intake
re-checks what only the platform knows — the profile's threshold — and stores the estimates
in ``risk_estimate`` with their lineage (import id, source, period, outcome, area).

A revised delivery replaces: the estimates of the same dataset, outcome, period and area are
deleted before the new ones are written, in the intake's transaction. Nothing here computes a
number: the platform shows what the source released.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from buurtbeeld.errors import ImportFileError
from buurtbeeld.package_format.model import PackageContents
from buurtbeeld.package_format.risk_estimates import RiskEstimates
from buurtbeeld.protect import get_profile

MODEL_KINDS = ("basisrisico", "toe_te_schrijven_alle")


class RiskEstimateError(ImportFileError):
    """A package's risk estimates do not pass the platform's own check."""

    code = "BB-PKG-062"
    default_hint = (
        "De brontoolkit (buurtbeeld bron risicofactoren) laat alleen schattingen door die de "
        "uitvoercontrole halen. Vraag de partner de drempel in 'controle' minstens zo hoog te "
        "zetten als het beveiligingsprofiel en het pakket opnieuw te maken."
    )


def profile_threshold(profile: str) -> int | None:
    """The smallest count a frequency profile publishes (``cbs-zorg``: 8), ``None`` without a
    frequency rule."""
    rule = get_profile(profile).frequency
    return None if rule is None else rule.hidden_max + 1


def check_risk(contents: PackageContents) -> None:
    """Refuse estimates on a group smaller than the package profile's threshold.

    Raises
    ------
    RiskEstimateError
        ``BB-PKG-062`` (a released estimate's smallest group below the threshold),
        ``BB-PKG-064`` (estimates in a package without a count profile or without their table).
    """
    risk = contents.risk
    if risk is None:
        return
    threshold = profile_threshold(contents.profile)
    if threshold is None or risk.table not in {t.name for t in contents.tables}:
        raise RiskEstimateError(
            "Pakket geweigerd: de risicoschattingen passen niet bij het pakket (een "
            "telprofiel en de tabel per wijk zijn nodig).",
            code="BB-PKG-064",
        )
    small = [
        e for e in risk.estimates if e.smallest_group is not None and e.smallest_group < threshold
    ]
    if small:
        raise RiskEstimateError(
            f"Pakket geweigerd: {len(small)} risicoschatting(en) berusten op een groep kleiner "
            f"dan de drempel van het profiel '{contents.profile}' ({threshold} kinderen).",
        )


def area_key(risk: RiskEstimates) -> str:
    """The stored ``area``: the package's gemeenten, sorted and ``,``-joined."""
    return ",".join(risk.area)


def write_risk(con: duckdb.DuckDBPyConnection, contents: PackageContents, import_id: int) -> int:
    """Replace the stored estimates of this dataset, outcome, period and area (in the caller's
    transaction); returns the number of estimates written."""
    risk = contents.risk
    if risk is None:
        return 0
    area = area_key(risk)
    con.execute(
        "DELETE FROM risk_estimate WHERE dataset = ? AND outcome = ? AND period = ? AND area = ?",
        [contents.dataset, risk.outcome, contents.period, area],
    )
    in_model = set(risk.model_factors)
    rows = [
        [
            contents.dataset,
            area,
            contents.period,
            risk.outcome,
            risk.outcome_title,
            position,
            e.kind,
            e.factor,
            e.factor_title,
            e.value,
            e.low,
            e.high,
            e.smallest_group,
            ",".join(e.withheld) or None,
            e.factor in in_model,
            contents.source,
            contents.division_year,
            import_id,
        ]
        for position, e in enumerate(risk.estimates)
    ]
    con.executemany(
        "INSERT INTO risk_estimate VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredEstimate:
    """One stored estimate (released: ``value``; withheld: the rule codes in ``withheld``)."""

    kind: str
    factor: str | None
    factor_title: str | None
    value: float | None
    low: float | None
    high: float | None
    smallest_group: int | None
    withheld: tuple[str, ...]
    in_model: bool

    @property
    def released(self) -> bool:
        """Whether the source released this estimate."""
        return not self.withheld


@dataclass(frozen=True)
class RiskSet:
    """The estimates of one import: one outcome over one area in one period, with lineage."""

    dataset: str
    outcome: str
    outcome_title: str
    period: str
    area: tuple[str, ...]
    source: str
    import_id: int
    estimates: tuple[StoredEstimate, ...]

    def of(self, kind: str, factor: str | None = None) -> StoredEstimate | None:
        """The estimate of ``kind`` (for ``factor``), if stored."""
        for e in self.estimates:
            if e.kind == kind and e.factor == factor:
                return e
        return None

    @property
    def factors(self) -> list[tuple[str, str]]:
        """``(name, title)`` of every factor, in the package's order."""
        seen: dict[str, str] = {}
        for e in self.estimates:
            if e.factor is not None:
                seen.setdefault(e.factor, e.factor_title or e.factor)
        return list(seen.items())


class RiskEstimatesStore:
    """Read access to ``risk_estimate`` (the workspace is read-only while served)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def sets_for(self, gemeente: str) -> list[RiskSet]:
        """Every stored set whose area holds ``gemeente`` (or is the whole country, ``NL00``):
        newest period first, then outcome."""
        keys = self._con.execute(
            """SELECT DISTINCT dataset, outcome, outcome_title, period, area, source, import_id
               FROM risk_estimate
               WHERE list_contains(string_split(area, ','), ?) OR area = 'NL00'
               ORDER BY period DESC, outcome, dataset, area""",
            [gemeente],
        ).fetchall()
        return [self._set(*key) for key in keys]

    def _set(
        self,
        dataset: str,
        outcome: str,
        title: str,
        period: str,
        area: str,
        source: str,
        import_id: int,
    ) -> RiskSet:
        rows = self._con.execute(
            """SELECT kind, factor, factor_title, value, low, high, smallest_group, withheld,
                      in_model
               FROM risk_estimate WHERE import_id = ? AND outcome = ? AND area = ?
               ORDER BY position""",
            [import_id, outcome, area],
        ).fetchall()
        estimates = tuple(
            StoredEstimate(
                str(r[0]),
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                None if r[6] is None else int(r[6]),
                tuple(str(r[7]).split(",")) if r[7] else (),
                bool(r[8]),
            )
            for r in rows
        )
        return RiskSet(
            str(dataset),
            str(outcome),
            str(title),
            str(period),
            tuple(str(area).split(",")),
            str(source),
            int(import_id),
            estimates,
        )
