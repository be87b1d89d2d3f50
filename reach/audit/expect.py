"""The expectations file: the isolation promises a team makes, and how the checks apply.

```yaml
version: 1
expectations:
  - name: dev cannot reach prod
    expect: deny                      # deny | allow | only
    from: {namespace: dev}
    to: {namespace: prod}
  - name: only the frontend calls the backend on 8080
    expect: only
    from: {labels: {app: frontend}}
    to: {labels: {app: backend}}
    ports: [8080/TCP]
checks:
  skip: [cross-namespace-summary]
  severity: {internet-ingress: medium}
  ignore:
    - {check: pod-ingress-unisolated, namespace: kube-system, reason: managed by the platform}
```

Everything is validated up front; a problem reads ``file field.path: what is
wrong``. The full schema is in ``docs/audit.md``.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from reach.audit.checks import CHECKS
from reach.audit.report import SEVERITIES, Finding
from reach.errors import FieldError, InvalidInput, Problem
from reach.input.fields import describe
from reach.input.selectors import parse_labels, parse_selector
from reach.model.ipspace import IPNetwork, IPRange, parse_network
from reach.model.ports import PortSet, parse_port_filter
from reach.model.selectors import LabelSelector, Requirement

KINDS = ("deny", "allow", "only")
REQUIRE = ("all", "any")
TOP_KEYS = ("version", "expectations", "checks")
ITEM_KEYS = ("name", "expect", "from", "to", "ports", "severity", "require", "transitive", "reason")
SELECTOR_KEYS = (
    "namespace",
    "namespaceSelector",
    "labels",
    "podSelector",
    "workload",
    "cidr",
    "except",
    "external",
    "internet",
)
INTERNAL_KEYS = ("namespace", "namespaceSelector", "labels", "podSelector", "workload")
EXTERNAL_KEYS = ("cidr", "except", "external", "internet")
CHECKS_KEYS = ("skip", "severity", "ignore")
IGNORE_KEYS = ("check", "namespace", "subject", "reason")


class ExpectationError(InvalidInput):
    """The expectations file breaks the schema; each problem names the field path."""


@dataclass(frozen=True)
class Selector:
    """One item of ``from``/``to``: pods (namespace, labels, workloads, ANDed) or addresses."""

    path: str
    namespaces: tuple[str, ...] = ()
    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector | None = None
    workloads: tuple[str, ...] = ()
    cidrs: tuple[IPNetwork, ...] = ()
    excepts: tuple[IPNetwork, ...] = ()
    external: bool = False
    internet: bool = False

    @property
    def is_external(self) -> bool:
        return bool(self.cidrs) or self.external or self.internet

    def __str__(self) -> str:
        if self.external:
            return "outside the cluster"
        if self.internet:
            return "the internet"
        if self.cidrs:
            text = ", ".join(str(c) for c in self.cidrs)
            if self.excepts:
                text += f" except {', '.join(str(e) for e in self.excepts)}"
            return text
        parts = []
        if self.namespaces:
            parts.append(f"namespace {'|'.join(self.namespaces)}")
        if self.namespace_selector is not None:
            parts.append(f"namespaces with {self.namespace_selector}")
        if self.workloads:
            parts.append(" | ".join(self.workloads))
        if self.pod_selector is not None and not self.pod_selector.is_empty():
            parts.append(str(self.pod_selector))
        return ", ".join(parts) if parts else "any pod"


@dataclass(frozen=True)
class Endpoint:
    """``from`` or ``to``: the union of its selectors."""

    path: str
    selectors: tuple[Selector, ...]

    def __str__(self) -> str:
        return " or ".join(str(s) for s in self.selectors)

    @property
    def internal(self) -> bool:
        return any(not s.is_external for s in self.selectors)

    @property
    def external_only(self) -> bool:
        return all(s.is_external for s in self.selectors)


@dataclass(frozen=True)
class Expectation:
    """One promise: ``from`` must not reach / must reach / is the only one to reach ``to``."""

    name: str
    kind: str  # "deny" | "allow" | "only"
    src: Endpoint
    dst: Endpoint
    ports: PortSet | None = None
    ports_text: str | None = None
    severity: str = "high"
    require: str = "all"
    transitive: bool = False
    reason: str = ""
    path: str = ""

    def text(self) -> str:
        on = f" on {self.ports_text}" if self.ports_text else ""
        if self.kind == "deny":
            how = " (directly or through other pods)" if self.transitive else ""
            return f"{self.src} must not reach {self.dst}{on}{how}"
        if self.kind == "allow":
            who = "some of " if self.require == "any" else ""
            return f"{who}{self.src} must reach {self.dst}{on}"
        return f"only {self.src} may reach {self.dst}{on}"


@dataclass(frozen=True)
class Ignore:
    """A finding of a built-in check the team accepts, with the reason."""

    check: str
    namespace: str | None = None
    subject: str | None = None
    reason: str = ""

    def matches(self, f: Finding) -> bool:
        return (
            f.check == self.check
            and (self.namespace is None or f.namespace == self.namespace)
            and (self.subject is None or f.subject == self.subject)
        )


@dataclass(frozen=True)
class ChecksConfig:
    """The ``checks`` section: checks to skip, severities to change, findings to ignore."""

    skip: frozenset[str] = frozenset()
    severity: Mapping[str, str] = field(default_factory=dict)
    ignore: tuple[Ignore, ...] = ()


@dataclass
class Expectations:
    """A parsed expectations file."""

    source: str = "<expectations>"
    expectations: list[Expectation] = field(default_factory=list)
    checks: ChecksConfig = field(default_factory=ChecksConfig)


# ---------------------------------------------------------------------------- loading


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
    return parse_expectations(data, source)


def parse_expectations(data: Any, source: str = "<expectations>") -> Expectations:
    """Validate parsed YAML (a mapping); raise :class:`ExpectationError` listing problems."""
    problems: list[Problem] = []

    def guard(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except FieldError as e:
            problems.append(Problem(source, e.path, e.message))
            return None

    if data is None:
        raise ExpectationError(
            [Problem(source, "", "is empty; expected a mapping with expectations")]
        )
    if not isinstance(data, Mapping):
        raise ExpectationError(
            [Problem(source, "", f"must be a mapping with expectations, not {describe(data)}")]
        )
    for key in data:
        if key not in TOP_KEYS:
            problems.append(Problem(source, str(key), _unknown(str(key), TOP_KEYS)))
    version = data.get("version", 1)
    if version != 1 or isinstance(version, bool):
        problems.append(Problem(source, "version", f"must be 1, not {describe(version)}"))
    out = Expectations(source)
    items = data.get("expectations")
    if items is None:
        items = []
    if not isinstance(items, list):
        problems.append(Problem(source, "expectations", f"must be a list, not {describe(items)}"))
        items = []
    names: dict[str, str] = {}
    for i, item in enumerate(items):
        exp = guard(_expectation, item, f"expectations[{i}]")
        if exp is None:
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
        out.expectations.append(exp)
    if "checks" in data:
        cfg = guard(_checks, data["checks"], "checks")
        if cfg is not None:
            out.checks = cfg
    if problems:
        raise ExpectationError(problems)
    return out


def _unknown(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown field (expected one of: {', '.join(known)}){hint}"


def _known(raw: Mapping[str, Any], path: str, known: tuple[str, ...]) -> None:
    for key in raw:
        if key not in known:
            raise FieldError(f"{path}.{key}", _unknown(str(key), known))


def _mapping(raw: Any, path: str, what: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise FieldError(path, f"must be {what}, not {describe(raw)}")
    return raw


def _string(raw: Any, path: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise FieldError(path, f"must be a non-empty string, not {describe(raw)}")
    return raw.strip()


def _strings(raw: Any, path: str) -> tuple[str, ...]:
    """A string or a non-empty list of strings."""
    if isinstance(raw, str):
        return (_string(raw, path),)
    if not isinstance(raw, list) or not raw:
        raise FieldError(
            path, f"must be a string or a non-empty list of strings, not {describe(raw)}"
        )
    return tuple(_string(v, f"{path}[{i}]") for i, v in enumerate(raw))


def _choice(raw: Any, path: str, choices: tuple[str, ...]) -> str:
    if raw not in choices:
        raise FieldError(path, f"must be one of {', '.join(choices)}, not {describe(raw)}")
    return str(raw)


def _expectation(raw: Any, path: str) -> Expectation:
    raw = _mapping(raw, path, "a mapping with expect, from and to")
    _known(raw, path, ITEM_KEYS)
    if "expect" not in raw:
        raise FieldError(f"{path}.expect", f"is required: one of {', '.join(KINDS)}")
    kind = _choice(raw["expect"], f"{path}.expect", KINDS)
    for key in ("from", "to"):
        if key not in raw:
            raise FieldError(f"{path}.{key}", "is required")
    src = _endpoint(raw["from"], f"{path}.from")
    dst = _endpoint(raw["to"], f"{path}.to")
    if src.external_only and dst.external_only:
        raise FieldError(
            path, "from and to are both outside the cluster; one side must select pods"
        )
    ports, ports_text = (None, None)
    if raw.get("ports") is not None:
        ports, ports_text = _ports(raw["ports"], f"{path}.ports")
    severity = _choice(raw.get("severity", "high"), f"{path}.severity", SEVERITIES)
    require = "all"
    if "require" in raw:
        if kind != "allow":
            raise FieldError(f"{path}.require", "applies to expect: allow only")
        require = _choice(raw["require"], f"{path}.require", REQUIRE)
    transitive = False
    if "transitive" in raw:
        if kind != "deny":
            raise FieldError(f"{path}.transitive", "applies to expect: deny only")
        if not isinstance(raw["transitive"], bool):
            raise FieldError(
                f"{path}.transitive", f"must be true or false, not {describe(raw['transitive'])}"
            )
        transitive = raw["transitive"]
    reason = _string(raw["reason"], f"{path}.reason") if "reason" in raw else ""
    exp = Expectation(
        name="",
        kind=kind,
        src=src,
        dst=dst,
        ports=ports,
        ports_text=ports_text,
        severity=severity,
        require=require,
        transitive=transitive,
        reason=reason,
        path=path,
    )
    name = _string(raw["name"], f"{path}.name") if "name" in raw else exp.text()
    return replace(exp, name=name)


def _endpoint(raw: Any, path: str) -> Endpoint:
    if isinstance(raw, list):
        if not raw:
            raise FieldError(path, "must not be an empty list (use {} for every pod)")
        return Endpoint(path, tuple(_selector(item, f"{path}[{i}]") for i, item in enumerate(raw)))
    return Endpoint(path, (_selector(raw, path),))


def _selector(raw: Any, path: str) -> Selector:
    raw = _mapping(
        raw,
        path,
        "a selector mapping (namespace, namespaceSelector, labels, podSelector, workload, "
        "cidr, except, external, internet)",
    )
    _known(raw, path, SELECTOR_KEYS)
    inner = [k for k in INTERNAL_KEYS if k in raw]
    outer = [k for k in EXTERNAL_KEYS if k in raw]
    if inner and outer:
        raise FieldError(
            f"{path}.{outer[0]}",
            f"may not be combined with {inner[0]}: a selector names pods or addresses, not both",
        )
    if outer:
        return _external(raw, path, outer)
    pod_reqs: list[Requirement] = []
    if "labels" in raw:
        pod_reqs.extend(_labels(raw["labels"], f"{path}.labels").requirements)
    if "podSelector" in raw:
        pod_reqs.extend(parse_selector(raw["podSelector"], f"{path}.podSelector").requirements)
    ns_sel = None
    if "namespaceSelector" in raw:
        ns_sel = parse_selector(raw["namespaceSelector"], f"{path}.namespaceSelector")
    workloads: tuple[str, ...] = ()
    if "workload" in raw:
        workloads = _strings(raw["workload"], f"{path}.workload")
        for i, w in enumerate(workloads):
            wpath = (
                f"{path}.workload" if isinstance(raw["workload"], str) else f"{path}.workload[{i}]"
            )
            if "=" in w or _is_address(w):
                raise FieldError(
                    wpath,
                    f"{w!r} is not a workload; write ns/name, ns/name[Kind] or kind/name "
                    "(labels go under labels, addresses under cidr)",
                )
    return Selector(
        path=path,
        namespaces=_strings(raw["namespace"], f"{path}.namespace") if "namespace" in raw else (),
        namespace_selector=ns_sel,
        pod_selector=LabelSelector(tuple(pod_reqs)) if pod_reqs else None,
        workloads=workloads,
    )


def _labels(raw: Any, path: str) -> LabelSelector:
    """``{app: web}`` or ``"app=web,tier=x"``."""
    if isinstance(raw, str):
        reqs = []
        for part in raw.split(","):
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise FieldError(path, f"{raw!r} is not key=value[,key=value]")
            reqs.append(Requirement(key.strip(), "In", frozenset([value.strip()])))
        return LabelSelector(tuple(reqs))
    labels = parse_labels(raw, path)
    if not labels:
        raise FieldError(path, "must name at least one label (leave it out to match every pod)")
    return LabelSelector(tuple(Requirement(k, "In", frozenset([v])) for k, v in labels.items()))


def _external(raw: Mapping[str, Any], path: str, keys: list[str]) -> Selector:
    for flag in ("external", "internet"):
        if flag in raw and raw[flag] is not True:
            raise FieldError(
                f"{path}.{flag}",
                f"must be true (leave it out otherwise), not {describe(raw[flag])}",
            )
    if sum(k in raw for k in ("cidr", "external", "internet")) > 1:
        raise FieldError(path, "give one of cidr, external or internet")
    if "except" in raw and "cidr" not in raw:
        raise FieldError(f"{path}.except", "requires cidr")
    if "cidr" not in raw:
        return Selector(path=path, external="external" in raw, internet="internet" in raw)
    cidrs = _networks(raw["cidr"], f"{path}.cidr")
    excepts = _networks(raw["except"], f"{path}.except") if "except" in raw else ()
    ranges = [IPRange.of_network(c) for c in cidrs]
    for i, e in enumerate(excepts):
        er = IPRange.of_network(e)
        if not any(r.contains(er) for r in ranges):
            epath = f"{path}.except" if isinstance(raw["except"], str) else f"{path}.except[{i}]"
            raise FieldError(epath, f"{e} is not inside any cidr of this selector")
    return Selector(path=path, cidrs=cidrs, excepts=excepts)


def _networks(raw: Any, path: str) -> tuple[IPNetwork, ...]:
    texts = _strings(raw, path)
    out = []
    for i, t in enumerate(texts):
        try:
            out.append(parse_network(t))
        except ValueError as e:
            raise FieldError(path if isinstance(raw, str) else f"{path}[{i}]", str(e)) from None
    return tuple(out)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _ports(raw: Any, path: str) -> tuple[PortSet, str]:
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


def _checks(raw: Any, path: str) -> ChecksConfig:
    raw = _mapping(raw, path, "a mapping with skip, severity and/or ignore")
    _known(raw, path, CHECKS_KEYS)
    skip: list[str] = []
    if raw.get("skip") is not None:
        skip = list(_strings(raw["skip"], f"{path}.skip"))
        for i, cid in enumerate(skip):
            _check_id(cid, _item_path(raw["skip"], f"{path}.skip", i))
    severity: dict[str, str] = {}
    if raw.get("severity") is not None:
        sev = _mapping(raw["severity"], f"{path}.severity", "a mapping of check ids to severities")
        for cid, level in sev.items():
            _check_id(str(cid), f"{path}.severity.{cid}")
            severity[str(cid)] = _choice(level, f"{path}.severity.{cid}", SEVERITIES)
    ignores: list[Ignore] = []
    if raw.get("ignore") is not None:
        if not isinstance(raw["ignore"], list):
            raise FieldError(f"{path}.ignore", f"must be a list, not {describe(raw['ignore'])}")
        for i, item in enumerate(raw["ignore"]):
            ipath = f"{path}.ignore[{i}]"
            item = _mapping(
                item, ipath, "a mapping with check and optional namespace, subject, reason"
            )
            _known(item, ipath, IGNORE_KEYS)
            if "check" not in item:
                raise FieldError(f"{ipath}.check", "is required")
            cids = _strings(item["check"], f"{ipath}.check")
            for k, cid in enumerate(cids):
                _check_id(cid, _item_path(item["check"], f"{ipath}.check", k))
            namespaces: tuple[str | None, ...] = (None,)
            if "namespace" in item:
                namespaces = _strings(item["namespace"], f"{ipath}.namespace")
            subject = _string(item["subject"], f"{ipath}.subject") if "subject" in item else None
            reason = (
                _string(item["reason"], f"{ipath}.reason")
                if "reason" in item
                else "ignored in the expectations file"
            )
            ignores.extend(Ignore(c, ns, subject, reason) for c in cids for ns in namespaces)
    return ChecksConfig(frozenset(skip), severity, tuple(ignores))


def _item_path(raw: Any, path: str, i: int) -> str:
    """The path of item ``i`` of a field given as a string or a list."""
    return path if isinstance(raw, str) else f"{path}[{i}]"


def _check_id(cid: str, path: str) -> None:
    if cid not in CHECKS:
        close = difflib.get_close_matches(cid, list(CHECKS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise FieldError(path, f"{cid!r} is not a check id ('reach audit --list-checks'){hint}")
