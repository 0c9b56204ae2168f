"""Disclosure control: pure functions on aggregated tables (no I/O).

Build a :class:`Table` (:func:`build_cross_table`, :func:`build_magnitude_table`,
:meth:`Table.from_relations`, :func:`link_tables`), then call :func:`protect_table` (the source
side). The platform checks what arrives with :func:`verify` on :class:`TableView` s. Both sides
take the relations of a published table from :func:`table_relations`. See docs/protect.md for
the rules, the cell-status lifecycle and the audit's attacker model.
"""

from buurtbeeld.protect.audit import AuditInput, AuditResult, Finding, audit
from buurtbeeld.protect.ledger import Release, ReleasedCell, ReleaseLedger
from buurtbeeld.protect.protect import ProtectedTable, audit_protected, protect_table
from buurtbeeld.protect.published import (
    TOTAL,
    Dimension,
    Mark,
    TableCell,
    TableRelations,
    producible,
    published_interval,
    table_relations,
)
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
    Inequality,
    Relation,
    Table,
    build_cross_table,
    build_magnitude_table,
    cells_above,
    link_tables,
    with_inequalities,
)
from buurtbeeld.protect.verify import Issue, TableView, Verification, verify

__all__ = [
    "PROFILES",
    "TOTAL",
    "AuditInput",
    "AuditResult",
    "Cell",
    "CellKey",
    "CellStatus",
    "Dimension",
    "DisclosureReport",
    "Finding",
    "FrequencyRule",
    "HiddenCell",
    "Hierarchy",
    "Inequality",
    "Issue",
    "Mark",
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
    "TableCell",
    "TableRelations",
    "TableView",
    "Verification",
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
    "producible",
    "protect_table",
    "published_interval",
    "random_round",
    "ratio",
    "rounding_interval",
    "smallest_published",
    "table_relations",
    "threshold_profile",
    "verify",
    "with_inequalities",
]
