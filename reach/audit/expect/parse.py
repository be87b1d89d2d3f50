"""Reading and validating an expectations file into :class:`Expectations`.

Everything is validated up front; every problem found is reported at once, each
reading ``file field.path: what is wrong``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from reach.audit.expect.checks_config import parse_checks_config
from reach.audit.expect.expectations import Expectation, Expectations
from reach.audit.expect.fields import (
    read_choice,
    read_mapping,
    read_string,
    reject_unknown,
    unknown_field,
)
from reach.audit.expect.selectors import parse_endpoint
from reach.audit.report import SEVERITIES
from reach.errors import FieldError, InvalidInput, Problem
from reach.input.fields import describe
from reach.input.positions import position_text
from reach.model.ports import PortSet, parse_port_filter

KINDS = ("deny", "allow", "only")
REQUIRE = ("all", "any")
TOP_KEYS = ("version", "expectations", "checks")
ITEM_KEYS = ("name", "expect", "from", "to", "ports", "severity", "require", "transitive", "reason")


class ExpectationError(InvalidInput):
    """The expectations file breaks the schema; each problem names the field path."""


def load_expectations(path: str | Path) -> Expectations:
    """Read and validate an expectations file; raise :class:`ExpectationError` listing problems."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ExpectationError([Problem(source, "", f"cannot read: {e.strerror}")]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise ExpectationError([Problem(source, "", f"{where}not valid YAML: {problem}")]) from None
    try:
        return parse_expectations(data, source)
    except ExpectationError as e:  # each problem at its line, as the manifests' are
        located = [
            replace(p, position=position_text(f"{source}#1", p.path)) if p.path else p
            for p in e.problems
        ]
        raise ExpectationError(located) from None


def parse_expectations(data: Any, source: str = "<expectations>") -> Expectations:
    """Validate parsed YAML (a mapping); raise :class:`ExpectationError` listing problems."""
    if data is None:
        raise ExpectationError(
            [Problem(source, "", "is empty; expected a mapping with expectations")]
        )
    if not isinstance(data, Mapping):
        raise ExpectationError(
            [Problem(source, "", f"must be a mapping with expectations, not {describe(data)}")]
        )
    problems: list[Problem] = []
    for key in data:
        if key not in TOP_KEYS:
            problems.append(Problem(source, str(key), unknown_field(str(key), TOP_KEYS)))
    version = data.get("version", 1)
    if version != 1 or isinstance(version, bool):
        problems.append(Problem(source, "version", f"must be 1, not {describe(version)}"))
    out = Expectations(source)
    out.expectations = _expectation_list(data.get("expectations"), source, problems)
    if "checks" in data:
        try:
            out.checks = parse_checks_config(data["checks"], "checks")
        except FieldError as e:
            problems.append(Problem(source, e.path, e.message))
    if problems:
        raise ExpectationError(problems)
    return out


def _expectation_list(items: Any, source: str, problems: list[Problem]) -> list[Expectation]:
    """The valid items of ``expectations``, each under a name of its own; appends the
    problems of the others to ``problems``."""
    if items is None:
        items = []
    if not isinstance(items, list):
        problems.append(Problem(source, "expectations", f"must be a list, not {describe(items)}"))
        items = []
    out: list[Expectation] = []
    names: dict[str, str] = {}
    for i, item in enumerate(items):
        try:
            exp = _expectation(item, f"expectations[{i}]")
        except FieldError as e:
            problems.append(Problem(source, e.path, e.message))
            continue
        if exp.name in names:
            problems.append(
                Problem(
                    source,
                    f"expectations[{i}].name",
                    f"{exp.name!r} is already the name of {names[exp.name]}",
                )
            )
            continue
        names[exp.name] = exp.path
        out.append(exp)
    return out


def _expectation(raw: Any, path: str) -> Expectation:
    raw = read_mapping(raw, path, "a mapping with expect, from and to")
    reject_unknown(raw, path, ITEM_KEYS)
    if "expect" not in raw:
        raise FieldError(f"{path}.expect", f"is required: one of {', '.join(KINDS)}")
    kind = read_choice(raw["expect"], f"{path}.expect", KINDS)
    for key in ("from", "to"):
        if key not in raw:
            raise FieldError(f"{path}.{key}", "is required")
    src = parse_endpoint(raw["from"], f"{path}.from")
    dst = parse_endpoint(raw["to"], f"{path}.to")
    if src.external_only and dst.external_only:
        raise FieldError(
            path, "from and to are both outside the cluster; one side must select pods"
        )
    ports, ports_text = (None, None)
    if raw.get("ports") is not None:
        ports, ports_text = _ports(raw["ports"], f"{path}.ports")
    exp = Expectation(
        name="",
        kind=kind,
        src=src,
        dst=dst,
        ports=ports,
        ports_text=ports_text,
        severity=read_choice(raw.get("severity", "high"), f"{path}.severity", SEVERITIES),
        require=_require(raw, path, kind),
        transitive=_transitive(raw, path, kind),
        reason=read_string(raw["reason"], f"{path}.reason") if "reason" in raw else "",
        path=path,
    )
    name = read_string(raw["name"], f"{path}.name") if "name" in raw else exp.text()
    return replace(exp, name=name)


def _require(raw: Mapping[str, Any], path: str, kind: str) -> str:
    """``require`` of an ``allow``: every pair must connect (``all``) or some pair (``any``)."""
    if "require" not in raw:
        return "all"
    if kind != "allow":
        raise FieldError(f"{path}.require", "applies to expect: allow only")
    return read_choice(raw["require"], f"{path}.require", REQUIRE)


def _transitive(raw: Mapping[str, Any], path: str, kind: str) -> bool:
    """``transitive`` of a ``deny``: no path through other pods either."""
    if "transitive" not in raw:
        return False
    if kind != "deny":
        raise FieldError(f"{path}.transitive", "applies to expect: deny only")
    if not isinstance(raw["transitive"], bool):
        raise FieldError(
            f"{path}.transitive", f"must be true or false, not {describe(raw['transitive'])}"
        )
    return bool(raw["transitive"])


def _ports(raw: Any, path: str) -> tuple[PortSet, str]:
    """``ports``: one port or a list (443, 8080/TCP, 53/UDP, 8000-8100/TCP); and its text."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise FieldError(path, "must not be empty (leave it out for every port)")
    out = PortSet.empty()
    for i, item in enumerate(items):
        ipath = path if not isinstance(raw, list) else f"{path}[{i}]"
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise FieldError(
                ipath,
                "must be a port such as 443, 8080/TCP, 53/UDP or 8000-8100/TCP, "
                f"not {describe(item)}",
            )
        try:
            out |= parse_port_filter(str(item))
        except ValueError as e:
            raise FieldError(ipath, str(e)) from None
    return out, str(out)
