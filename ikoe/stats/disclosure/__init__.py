"""Statistical disclosure control for published tables (docs/domain.md §5).

Pure functions: no Django, no I/O. The pieces, in the order data flows through them:

- :mod:`~ikoe.stats.disclosure.hierarchy` and :mod:`~ikoe.stats.disclosure.table`: complete
  tables with every subtotal along each hierarchy and the grand total (``_T``);
- :mod:`~ikoe.stats.disclosure.primary`: primary rules with their reasons;
- :mod:`~ikoe.stats.disclosure.secondary`: secondary suppression for multi-dimensional
  hierarchical tables and linked tables (:mod:`~ikoe.stats.disclosure.problem`);
- :mod:`~ikoe.stats.disclosure.audit`: the attacker's linear program for every suppressed cell;
- :mod:`~ikoe.stats.disclosure.cellkey`: the cell key method as the alternative for flexible
  tables;
- :mod:`~ikoe.stats.disclosure.api`: the entry points :func:`protect_table`,
  :func:`protect_linked`, :func:`protect_estimates` and
  :func:`protect_linked_estimates` (all tables of a survey, counts and shares).
"""

from ikoe.stats.disclosure.api import (
    EstimateCell,
    EstimateResult,
    EstimateTable,
    JointAnswers,
    ReleaseBlocks,
    Shown,
    TableProtection,
    protect_estimates,
    protect_linked,
    protect_linked_estimates,
    protect_table,
)
from ikoe.stats.disclosure.audit import AuditReport, audit
from ikoe.stats.disclosure.cellkey import (
    PerturbationTable,
    cell_keys,
    perturb_table,
    record_keys,
    record_keys_from_ids,
)
from ikoe.stats.disclosure.hierarchy import TOTAL, Classification, Hierarchy, HierarchyError
from ikoe.stats.disclosure.primary import Reason, Rules, count_flags, reason_names, share_flags
from ikoe.stats.disclosure.problem import CellSystem, LinkedTables, LinkError, link_tables
from ikoe.stats.disclosure.secondary import Pattern, ProtectionFailed, Status, protect
from ikoe.stats.disclosure.table import Table, TableError

__all__ = [
    "TOTAL",
    "AuditReport",
    "CellSystem",
    "Classification",
    "EstimateCell",
    "EstimateResult",
    "EstimateTable",
    "Hierarchy",
    "HierarchyError",
    "JointAnswers",
    "LinkError",
    "LinkedTables",
    "Pattern",
    "PerturbationTable",
    "ProtectionFailed",
    "Reason",
    "ReleaseBlocks",
    "Rules",
    "Shown",
    "Status",
    "Table",
    "TableError",
    "TableProtection",
    "audit",
    "cell_keys",
    "count_flags",
    "link_tables",
    "perturb_table",
    "protect",
    "protect_estimates",
    "protect_linked",
    "protect_linked_estimates",
    "protect_table",
    "reason_names",
    "record_keys",
    "record_keys_from_ids",
    "share_flags",
]
