"""The privacy check of free text (duiding, doorbraken) on the labelled sample set (issue 16).

Usage: python benchmarks/bench_text_privacy.py

Prints per kind: texts labelled, recall, precision and the lines missed or wrongly flagged; then
the refusal as a whole (any refusing kind), and the time per text.
"""

from __future__ import annotations

import time
from pathlib import Path

from buurtbeeld.steer.text_privacy import STRUCTURED, Kind, check_text
from buurtbeeld.steer.text_privacy_score import parse_samples, score

SAMPLES = Path(__file__).resolve().parents[1] / "tests" / "steer" / "privacy_samples.tsv"
#: The Dordrecht areas the sample texts name (as the web app passes the cube's region names).
AREAS = (
    "Dordrecht", "Crabbehof", "Wielwijk", "Sterrenburg", "Reeland", "Krispijn", "Oud-Krispijn",
    "Dubbeldam", "Oud-Dubbeldam", "Staart", "Stadswerven", "Noordflank", "De Hoven",
    "Dordrecht-West",
)  # fmt: skip


def main() -> None:
    samples = parse_samples(SAMPLES.read_text(encoding="utf-8").splitlines())
    clean = sum(1 for s in samples if not s.kinds)
    print(f"samples: {len(samples)} ({clean} without personal data)")
    per_kind, refusal = score(samples, area_names=AREAS, small_areas=AREAS)
    print(f"{'kind':22} {'labelled':>8} {'recall':>7} {'precision':>9}  missed / false alarms")
    for kind in Kind:
        s = per_kind[kind]
        labelled = s.true_pos + s.false_neg
        mark = "*" if kind in STRUCTURED else " "
        print(
            f"{mark}{kind.value:21} {labelled:8} {s.recall:7.3f} {s.precision:9.3f}  "
            f"{s.missed or '-'} / {s.wrong or '-'}"
        )
    print(
        f"refused (any refusing kind): recall {refusal.recall:.3f}, "
        f"precision {refusal.precision:.3f}; missed {refusal.missed or '-'}, "
        f"wrongly refused {refusal.wrong or '-'}"
    )
    texts = [s.text for s in samples]
    start = time.perf_counter()
    for _ in range(5):
        for t in texts:
            check_text(t, area_names=AREAS, small_areas=AREAS)
    per_text = (time.perf_counter() - start) / (5 * len(texts))
    print(f"time per text: {per_text * 1e6:.0f} µs  (* = structured kind, recall target 0.99)")


if __name__ == "__main__":
    main()
