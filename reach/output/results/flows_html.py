"""The notebook HTML of ``reach flows check`` (``FlowCheck._repr_html_``, plugged in by
:mod:`reach.api.notebook`): the headline, then a table per section as the text has them
(dropped, broken by the change, allowed, not matched, allowed but never observed), each
of at most :data:`SHOWN` rows, what was read but not checked, and the diagnostics."""

from __future__ import annotations

import html
from collections.abc import Sequence

from reach.analysis.flowcheck import CheckedFlow, FlowCheck
from reach.output.diagnostics import carried, html_list
from reach.words import count

#: The most rows a notebook table shows (``to_dict()`` and ``--format json`` list all).
SHOWN = 20


def flows_html(result: FlowCheck) -> str:
    """The result as HTML tables."""
    parts = [f"<p><b>{_esc(result.headline)}</b></p>"]
    flow_head = ("connection", "flows", "first seen")
    for title, flows, why in (
        ("Dropped by the current policies", result.dropped, "reason"),
        (f"Broken by {result.change}", result.broken, "reason"),
    ):
        after = title.startswith("Broken")
        rows = [(*_flow(f), f.after_because if after else f.because) for f in flows[:SHOWN]]
        parts.append(_table(title, len(flows), (*flow_head, why), rows))
    passing = result.passing
    rows = [(*_flow(f), f.because) for f in passing[:SHOWN]]
    parts.append(_table("Allowed", len(passing), (*flow_head, "rules"), rows))
    rows = [
        (f"{u.src} => {u.dst} : {u.what}", _flows(u.count), u.origin, u.reason)
        for u in result.unmatched[:SHOWN]
    ]
    parts.append(
        _table(
            "Not matched to the model (not checked)",
            len(result.unmatched),
            (*flow_head, "why"),
            rows,
        )
    )
    permissive = result.over_permissive
    pairs = [
        (f"{o.src} => {o.dst}", str(o.ports), "yes" if o.observed else "never")
        for o in permissive[:SHOWN]
    ]
    parts.append(
        _table(
            "Allowed but never observed, between workloads",
            len(permissive),
            ("workload pair", "ports no flow used", "pair observed"),
            pairs,
        )
    )
    if result.notes:
        items = "".join(f"<li>{_esc(n)}</li>" for n in result.notes)
        parts.append(f"<p><b>Read but not checked</b></p><ul>{items}</ul>")
    return "".join(parts) + html_list(carried(result))


def _flow(f: CheckedFlow) -> tuple[str, str, str]:
    return f.what, _flows(f.count), f.origin


def _flows(n: int) -> str:
    return count(n, "flow", thousands=True)


def _table(title: str, total: int, head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A titled table of the first rows of a section (nothing for an empty section)."""
    if not total:
        return ""
    cells = "".join(f"<th>{_esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    more = (
        f"<p>... and {total - len(rows):,} more (<code>to_dict()</code> lists all)</p>"
        if total > len(rows)
        else ""
    )
    return (
        f"<p><b>{_esc(title)} ({total:,})</b></p>"
        f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>{more}"
    )


def _esc(text: str) -> str:
    return html.escape(text, quote=False)
