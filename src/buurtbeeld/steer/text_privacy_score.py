"""Scoring the text privacy check on a labelled sample set (pure: the caller reads the file).

A sample is ``(kinds, text)``: the kinds of personal data the text holds (empty: none). Per kind
the check is scored on whole texts: a text labelled with the kind and flagged with it is a true
positive; flagged but not labelled a false positive; labelled but not flagged a false negative.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from buurtbeeld.steer.text_privacy import Kind, check_text


@dataclass
class KindScore:
    """Counts for one kind."""

    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    missed: list[int] = field(default_factory=list)  # line numbers of missed samples
    wrong: list[int] = field(default_factory=list)  # line numbers of false alarms

    @property
    def recall(self) -> float:
        labelled = self.true_pos + self.false_neg
        return self.true_pos / labelled if labelled else 1.0

    @property
    def precision(self) -> float:
        flagged = self.true_pos + self.false_pos
        return self.true_pos / flagged if flagged else 1.0


@dataclass
class Sample:
    """One labelled text."""

    line: int
    kinds: frozenset[Kind]
    text: str


def parse_samples(lines: Iterable[str]) -> list[Sample]:
    """Samples from ``<kinds>\\t<text>`` lines (``#`` comments, ``-`` for no kinds)."""
    out = []
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        labels, text = line.split("\t", 1)
        kinds = frozenset() if labels == "-" else frozenset(Kind(k) for k in labels.split(","))
        out.append(Sample(number, kinds, text))
    return out


def score(
    samples: Iterable[Sample],
    *,
    area_names: Collection[str] = (),
    small_areas: Collection[str] = (),
) -> tuple[dict[Kind, KindScore], KindScore]:
    """Per-kind scores, and the score of "refused or not" over all texts."""
    per_kind = {k: KindScore() for k in Kind}
    refusal = KindScore()
    for s in samples:
        check = check_text(s.text, area_names=area_names, small_areas=small_areas)
        found = check.kinds
        for k in Kind:
            if k in s.kinds and k in found:
                per_kind[k].true_pos += 1
            elif k in found:
                per_kind[k].false_pos += 1
                per_kind[k].wrong.append(s.line)
            elif k in s.kinds:
                per_kind[k].false_neg += 1
                per_kind[k].missed.append(s.line)
        should_refuse = any(k in s.kinds for k in (k for k in Kind if k.value in _REFUSING))
        if should_refuse and check.refusals:
            refusal.true_pos += 1
        elif check.refusals:
            refusal.false_pos += 1
            refusal.wrong.append(s.line)
        elif should_refuse:
            refusal.false_neg += 1
            refusal.missed.append(s.line)
    return per_kind, refusal


_REFUSING = frozenset(
    {"bsn", "iban", "telefoon", "email", "adres", "postcode_huisnummer", "geboortedatum"}
)
