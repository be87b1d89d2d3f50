"""What a notebook and ``repr`` show of a loaded cluster and of its results."""

from __future__ import annotations

import base64

from reach.analysis.compiled import Analysis
from reach.words import count


def loaded_text(analysis: Analysis) -> str:
    """What was loaded: ``17 pods in 9 workloads, 5 namespaces, 16 policies, 1 warning``
    (policies of every tier; the warnings only when there are some)."""
    cluster = analysis.cluster
    policies = len(cluster.policies) + len(cluster.admin_policies)
    text = (
        f"{count(len(cluster.pods), 'pod', thousands=True)} in "
        f"{count(analysis.view('workload').n_internal, 'workload', thousands=True)}, "
        f"{count(len(cluster.namespaces), 'namespace', thousands=True)}, "
        f"{count(policies, 'policy', thousands=True)}"
    )
    warnings = sum(d.severity == "warning" for d in analysis.diagnostics)
    return text + (f", {count(warnings, 'warning')}" if warnings else "")


def embedded(image: bytes | None, fmt: str) -> str:
    """An image as HTML: SVG inline, PNG as a data URI; nothing for None."""
    if image is None:
        return ""
    if fmt == "svg":
        return image.decode("utf-8")
    return f'<img src="data:image/png;base64,{base64.b64encode(image).decode("ascii")}"/>'
