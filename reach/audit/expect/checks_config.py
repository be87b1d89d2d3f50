"""Parsing the ``checks`` section: checks to skip, severities to change, findings to ignore."""

from __future__ import annotations

import difflib
from typing import Any

from reach.audit.checks import CHECKS
from reach.audit.expect.expectations import ChecksConfig, Ignore
from reach.audit.expect.fields import (
    item_path,
    read_choice,
    read_mapping,
    read_string,
    read_strings,
    reject_unknown,
)
from reach.audit.report import SEVERITIES
from reach.errors import FieldError
from reach.input.fields import describe

CHECKS_KEYS = ("skip", "severity", "ignore")
IGNORE_KEYS = ("check", "namespace", "subject", "reason")


def parse_checks_config(raw: Any, path: str) -> ChecksConfig:
    raw = read_mapping(raw, path, "a mapping with skip, severity and/or ignore")
    reject_unknown(raw, path, CHECKS_KEYS)
    skip: list[str] = []
    if raw.get("skip") is not None:
        skip = list(read_strings(raw["skip"], f"{path}.skip"))
        for i, cid in enumerate(skip):
            _check_id(cid, item_path(raw["skip"], f"{path}.skip", i))
    severity: dict[str, str] = {}
    if raw.get("severity") is not None:
        levels = read_mapping(
            raw["severity"], f"{path}.severity", "a mapping of check ids to severities"
        )
        for cid, level in levels.items():
            _check_id(str(cid), f"{path}.severity.{cid}")
            severity[str(cid)] = read_choice(level, f"{path}.severity.{cid}", SEVERITIES)
    ignores: list[Ignore] = []
    if raw.get("ignore") is not None:
        if not isinstance(raw["ignore"], list):
            raise FieldError(f"{path}.ignore", f"must be a list, not {describe(raw['ignore'])}")
        for i, item in enumerate(raw["ignore"]):
            ignores.extend(_ignores(item, f"{path}.ignore[{i}]"))
    return ChecksConfig(frozenset(skip), severity, tuple(ignores))


def _ignores(raw: Any, path: str) -> list[Ignore]:
    """One item of ``ignore``: one :class:`Ignore` per check id and namespace it names."""
    item = read_mapping(raw, path, "a mapping with check and optional namespace, subject, reason")
    reject_unknown(item, path, IGNORE_KEYS)
    if "check" not in item:
        raise FieldError(f"{path}.check", "is required")
    cids = read_strings(item["check"], f"{path}.check")
    for k, cid in enumerate(cids):
        _check_id(cid, item_path(item["check"], f"{path}.check", k))
    namespaces: tuple[str | None, ...] = (None,)
    if "namespace" in item:
        namespaces = read_strings(item["namespace"], f"{path}.namespace")
    subject = read_string(item["subject"], f"{path}.subject") if "subject" in item else None
    reason = (
        read_string(item["reason"], f"{path}.reason")
        if "reason" in item
        else "ignored in the expectations file"
    )
    return [Ignore(c, ns, subject, reason) for c in cids for ns in namespaces]


def _check_id(cid: str, path: str) -> None:
    if cid not in CHECKS:
        close = difflib.get_close_matches(cid, list(CHECKS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise FieldError(path, f"{cid!r} is not a check id ('reach audit --list-checks'){hint}")
