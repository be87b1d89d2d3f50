"""SARIF 2.1.0, the parts the audit and the diff share: the log, locations, notifications.

A location is made from an :class:`~reach.input.positions.Anchor`: a physical location
(the file, as a URI relative to the current directory when it lies under it, else as
given; the line and column of the field, found then) and a logical one, the
``file#doc field.path`` reach's other outputs print. Columns count characters
(``columnKind: unicodeCodePoints``). The diagnostics of the load are the run's tool
execution notifications, so a SARIF report too names what the answer leaves out.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from reach.errors import Diagnostic
from reach.input.positions import Anchor, split_origin

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

#: SARIF's level for each severity of reach.
LEVELS = {"high": "error", "medium": "warning", "low": "note", "info": "note"}
#: GitHub code scanning's ``problem.severity`` for each level.
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
#: GitHub code scanning's ``security-severity`` (a CVSS-like score) for each severity.
SECURITY_SEVERITY = {"high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}


def log(
    driver: dict[str, Any], results: list[dict[str, Any]], diagnostics: Sequence[Diagnostic]
) -> dict[str, Any]:
    """A SARIF log of one run of reach."""
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if diagnostics:
        invocation["toolExecutionNotifications"] = [notification(d) for d in diagnostics]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "reach",
                        "version": _version(),
                        **driver,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "invocations": [invocation],
                "results": results,
            }
        ],
    }


def _version() -> str:
    try:
        return importlib.metadata.version("reach")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def notification(d: Diagnostic) -> dict[str, Any]:
    """A diagnostic of the load, as a tool execution notification."""
    out: dict[str, Any] = {
        "level": "warning" if d.severity == "warning" else "note",
        "message": {"text": d.message + (" (partial answer)" if d.partial else "")},
        "descriptor": {"id": d.code},
        "properties": {"partial": d.partial},
    }
    if d.origin:
        out["locations"] = [location(Anchor(d.origin))]
    return out


def location(anchor: Anchor, message: str = "") -> dict[str, Any]:
    """The SARIF location of ``anchor``: physical when its position can be found, and
    logical (``file#doc field.path``) always."""
    out: dict[str, Any] = {}
    where = split_origin(anchor.origin)
    file = where[0] if where is not None else anchor.origin
    found = anchor.position()
    if found is not None or Path(file).is_file():  # not a live cluster's live:ctx/kind#n
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri(file)}}
        if found is not None:
            physical["region"] = {"startLine": found.line, "startColumn": found.column}
        out["physicalLocation"] = physical
    name = f"{anchor.origin} {anchor.path}".rstrip()
    out["logicalLocations"] = [{"fullyQualifiedName": name, "kind": "object"}]
    if message:
        out["message"] = {"text": message}
    return out


def uri(file: str) -> str:
    """A file as a URI reference: relative to the current directory when under it."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_uri()
    return quote(path.as_posix() if os.sep == "/" else str(path).replace(os.sep, "/"))


def fingerprint(*parts: str) -> str:
    """A stable digest of what identifies a result (not its wording, which may change)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def rule(
    rule_id: str, title: str, severity: str, help_text: str, tags: Sequence[str]
) -> dict[str, Any]:
    """A reportingDescriptor: its id, title, help and default level."""
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace(":", "-").split("-") if part),
        "shortDescription": {"text": title},
        "fullDescription": {"text": help_text or title},
        "help": {"text": help_text or title},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {
            "tags": list(tags),
            "problem.severity": PROBLEM_SEVERITY[LEVELS[severity]],
            "security-severity": SECURITY_SEVERITY[severity],
        },
    }
