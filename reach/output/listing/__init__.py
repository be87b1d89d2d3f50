"""The connection list (``reach list``): one module per format, each with ``render(view, out)``.

Every format writes as it goes, a few source nodes at a time: a list of millions
of lines is never held in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from reach.analysis.views import View
from reach.output.diagnostics import Diags
from reach.output.formats import ListFormat
from reach.output.listing import csv, json, md, txt

RENDERERS: dict[ListFormat, Callable[[View, TextIO, Diags], None]] = {
    ListFormat.TXT: txt.render,
    ListFormat.JSON: json.render,
    ListFormat.CSV: csv.render,
    ListFormat.MD: md.render,
}


def shows_ipv6(fmt: ListFormat, ipv6: bool | None) -> bool | None:
    """Whether the list in ``fmt`` shows IPv6 ranges: as ``ipv6`` says; by default never in
    txt (its grammar is IPv4-only), and in the other formats when a policy names an IPv6
    CIDR (None: the view's own default)."""
    if ipv6 is None and fmt is ListFormat.TXT:
        return False
    return ipv6


#: The note of :meth:`reach.Reach.listing` when txt leaves out the IPv6 ranges policies name.
IPV6_NOTE = (
    "policies name IPv6 CIDRs; txt lists IPv4 ranges only (add --ipv6, or use --format json)"
)
