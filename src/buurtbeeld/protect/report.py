"""The disclosure report: what was hidden and why, without any hidden value.

The report holds only counts, cell keys, statuses and reasons. Its Dutch text is meant for the
partner's privacy officer. It is built from published information only, so it can be shown or
logged anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from buurtbeeld.protect.rules import Reason
from buurtbeeld.protect.table import CellKey, CellStatus

REASON_NL: dict[str, str] = {
    Reason.FREQUENCY.value: "te klein aantal (frequentieregel)",
    Reason.P_PERCENT.value: "één bijdrager domineert het bedrag (p%-regel)",
    Reason.MIN_CONTRIBUTORS.value: "te weinig bijdragers",
    Reason.MANUAL.value: "handmatig afgeschermd",
    Reason.SECONDARY.value: "secundair: anders terug te rekenen via totalen",
    Reason.SINGLETON.value: "secundair: één bijdrager zou een andere cel kunnen berekenen",
    Reason.INTERVAL.value: "secundair: anders te nauwkeurig in te schatten",
}


@dataclass(frozen=True, slots=True)
class HiddenCell:
    """A hidden cell, named by key; never its value."""

    key: CellKey
    status: CellStatus
    reason: str


@dataclass(frozen=True, slots=True)
class DisclosureReport:
    """Summary of a protection run (safe to show: it contains no hidden value)."""

    profile: str
    n_cells: int
    n_published: int
    n_primary: int
    n_secondary: int
    hidden_by_reason: dict[str, int]
    hidden: tuple[HiddenCell, ...]
    audit_passed: bool
    n_audited: int
    n_lps: int
    rounding_base: int | None
    n_earlier_cells: int = 0

    def text(self, *, list_cells: bool = True) -> str:
        """A Dutch report for the privacy officer.

        Parameters
        ----------
        list_cells
            Also list every hidden cell by name with its reason.
        """
        lines = [
            f"Beveiligingsrapport (profiel {self.profile})",
            f"  Cellen: {self.n_cells}, gepubliceerd: {self.n_published}, "
            f"afgeschermd: {self.n_primary + self.n_secondary} "
            f"({self.n_primary} primair, {self.n_secondary} secundair).",
        ]
        for reason, n in sorted(self.hidden_by_reason.items()):
            lines.append(f"  - {REASON_NL.get(reason, reason)}: {n}")
        if self.rounding_base:
            lines.append(
                f"  Gepubliceerde aantallen zijn willekeurig afgerond op veelvouden van "
                f"{self.rounding_base}."
            )
        if self.n_earlier_cells:
            lines.append(
                f"  Samen gecontroleerd met {self.n_earlier_cells} cellen uit eerdere leveringen."
            )
        verdict = "geslaagd" if self.audit_passed else "NIET geslaagd"
        lines.append(
            f"  Aanvalscontrole (lineaire programmering) {verdict}: {self.n_audited} "
            f"afgeschermde cellen gecontroleerd, {self.n_lps} LP's opgelost."
        )
        if list_cells and self.hidden:
            lines.append("  Afgeschermde cellen:")
            for cell in self.hidden:
                reason = REASON_NL.get(cell.reason, cell.reason)
                lines.append(f"    {' / '.join(cell.key)} [{cell.status.value}]: {reason}")
        return "\n".join(lines)
