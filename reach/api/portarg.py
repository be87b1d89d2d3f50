"""The ``port`` argument of the library's queries, parsed as the command line parses it."""

from __future__ import annotations

from reach.errors import ReachError
from reach.model.ports import PortSet, parse_port_filter


def port_arg(text: str | None) -> PortSet | None:
    """``"8080/TCP"``, ``"53"`` (every protocol), ``"8000-8100"``; None for none given."""
    if text is None:
        return None
    try:
        return parse_port_filter(text, default_protocol=None)
    except ValueError as e:
        raise ReachError(str(e)) from None
