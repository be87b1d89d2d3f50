"""Isolation audit: built-in checks and user expectations (``reach audit``)."""

from __future__ import annotations


class AuditMixin:
    """The ``audit`` method of :class:`reach.Reach`."""
