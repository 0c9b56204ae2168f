"""Disclosure control: pure functions on aggregated tables (no I/O).

Build a :class:`Table` (:func:`build_cross_table`, :func:`build_magnitude_table`,
:meth:`Table.from_relations`, :func:`link_tables`), then call :func:`protect_table`. See
docs/protect.md for the rules, the cell-status lifecycle and the audit's attacker model.
"""

from buurtbeeld.protect.audit import AuditInput, AuditResult, Finding, audit
from buurtbeeld.protect.ledger import Release, ReleasedCell, ReleaseLedger
from buurtbeeld.protect.protect import ProtectedTable, audit_protected, protect_table
from buurtbeeld.protect.report import DisclosureReport, HiddenCell
from buurtbeeld.protect.rounding import (
    cell_uniform,
    is_producible_count,
    random_round,
    ratio,
    rounding_interval,
    smallest_published,
)
from buurtbeeld.protect.rules import (
    PROFILES,
    FrequencyRule,
    PercentRule,
    Profile,
    Reason,
    Requirement,
    apply_primary_rules,
    get_profile,
    threshold_profile,
)
from buurtbeeld.protect.table import (
    Cell,
    CellKey,
    CellStatus,
    Hierarchy,
    Relation,
    Table,
    build_cross_table,
    build_magnitude_table,
    cells_above,
    link_tables,
)

__all__ = [
    "PROFILES",
    "AuditInput",
    "AuditResult",
    "Cell",
    "CellKey",
    "CellStatus",
    "DisclosureReport",
    "Finding",
    "FrequencyRule",
    "HiddenCell",
    "Hierarchy",
    "PercentRule",
    "Profile",
    "ProtectedTable",
    "Reason",
    "Relation",
    "Release",
    "ReleaseLedger",
    "ReleasedCell",
    "Requirement",
    "Table",
    "apply_primary_rules",
    "audit",
    "audit_protected",
    "build_cross_table",
    "build_magnitude_table",
    "cell_uniform",
    "cells_above",
    "get_profile",
    "is_producible_count",
    "link_tables",
    "protect_table",
    "random_round",
    "ratio",
    "rounding_interval",
    "smallest_published",
    "threshold_profile",
]
