"""The library's functions of whole clusters: ``reach.diff(a, b)`` and ``reach.audit(r)``."""

from __future__ import annotations

from reach.analysis.diff import DiffReport
from reach.analysis.diff import diff as diff_analyses
from reach.api.facade import Reach


def diff(
    old: Reach, new: Reach, by: str = "workload", old_label: str = "old", new_label: str = "new"
) -> DiffReport:
    """Connections added, removed and changed from ``old`` to ``new`` at granularity ``by``."""
    return diff_analyses(old.analysis, new.analysis, by, old_label, new_label)


#: The audit of a :class:`Reach`: ``audit(r, ...)`` is ``r.audit(...)``.
audit = Reach.audit
