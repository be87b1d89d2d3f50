"""Validation rules of the Kubernetes API server, one function per rule.

The rules are apimachinery's (``k8s.io/apimachinery/pkg/util/validation`` and
``pkg/api/validation``): object names, namespaces, label keys and values, annotations,
and the strict decoding of ``metadata`` that ``kubectl apply`` asks for by default
(``--validate=strict``). Each rule returns the problems it finds as :class:`FieldError`
values, so that every problem of a document can be reported at once
(:class:`Collector`, :class:`FieldErrors`). docs/semantics.md ("Validation of object
metadata") cites them.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from reach.errors import FieldError
from reach.input.fields import describe
from reach.words import excerpt

T = TypeVar("T")

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#: RFC 1123 label (``IsDNS1123Label``): at most 63 characters.
DNS_LABEL = re.compile(_LABEL)
#: RFC 1123 subdomain (``IsDNS1123Subdomain``): at most 253 characters.
DNS_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
#: The name part of a label key, and a non-empty label value (``IsQualifiedName``,
#: ``IsValidLabelValue``): at most 63 characters.
QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
#: The fields of ``ObjectMeta``; any other under ``metadata`` is an unknown field.
OBJECT_META_FIELDS = frozenset(
    [
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    ]
)
#: The top-level fields of every kind reach evaluates.
OBJECT_FIELDS = ("apiVersion", "kind", "metadata", "spec", "status")
#: What the API server appends to ``generateName`` (``utilrand.String(5)``).
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_SUFFIX_LENGTH = 5
#: Kinds whose names are limited further than a DNS subdomain.
_NAME_LIMITS = {"CronJob": 52}


class FieldErrors(FieldError):
    """Several invalid fields of one document, reported together."""

    def __init__(self, problems: list[FieldError]) -> None:
        self.problems = problems
        first = problems[0]
        super().__init__(first.path, first.message)
        self.args = ("; ".join(f"{p.path}: {p.message}" for p in problems),)


def each_problem(error: FieldError) -> list[FieldError]:
    """The single problems an error stands for."""
    return list(error.problems) if isinstance(error, FieldErrors) else [error]


def raise_all(problems: list[FieldError]) -> None:
    """Raise the problems found (as one error), if any."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise FieldErrors(problems)


class Collector:
    """Runs the parts of a document's parser and keeps every problem they raise."""

    def __init__(self) -> None:
        self.problems: list[FieldError] = []

    def run(self, parse: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """``parse(*args, **kwargs)``, or ``None`` after recording its problems."""
        try:
            return parse(*args, **kwargs)
        except FieldError as e:
            self.problems.extend(each_problem(e))
            return None

    def done(self) -> None:
        """Raise every problem recorded, as one error."""
        raise_all(self.problems)


def dns_label(value: str, path: str) -> list[FieldError]:
    """``IsDNS1123Label``: lowercase alphanumerics and ``-``, at most 63 characters."""
    return _dns(value, path, DNS_LABEL, 63, "DNS label", "lowercase letters, digits and '-'")


def dns_subdomain(value: str, path: str) -> list[FieldError]:
    """``IsDNS1123Subdomain``: DNS labels joined by ``.``, at most 253 characters."""
    chars = "lowercase letters, digits, '-' and '.'"
    return _dns(value, path, DNS_SUBDOMAIN, 253, "DNS subdomain", chars)


def _dns(
    value: str, path: str, pattern: re.Pattern[str], limit: int, what: str, chars: str
) -> list[FieldError]:
    """No problem, or one naming ``what`` the value must be: ``chars``, ``limit`` at most."""
    if len(value) <= limit and pattern.fullmatch(value):
        return []
    return [
        FieldError(
            path,
            f"{excerpt(value)} is not a {what} (at most {limit} {chars}, "
            "starting and ending with a letter or digit)",
        )
    ]


def object_name(kind: str, name: str, path: str = "metadata.name") -> list[FieldError]:
    """Names of namespaces are DNS labels; of the other kinds reach reads, DNS subdomains
    (a CronJob's at most 52 characters, so that its Jobs' names fit)."""
    if kind == "Namespace":
        return dns_label(name, path)
    limit = _NAME_LIMITS.get(kind)
    if limit is not None and len(name) > limit:
        return [FieldError(path, f"{excerpt(name)}: a {kind} name is at most {limit} characters")]
    return dns_subdomain(name, path)


def label_key(key: str, path: str) -> list[FieldError]:
    """``IsQualifiedName``: ``[prefix/]name``; the prefix a DNS subdomain, the name at most 63
    alphanumerics, ``-``, ``_`` and ``.``, starting and ending with an alphanumeric."""
    prefix, slash, name = key.rpartition("/")
    why = ""
    if slash and (not prefix or "/" in prefix or dns_subdomain(prefix, path)):
        why = "its prefix (before '/') must be one DNS subdomain such as example.com"
    elif not name:
        why = "its name part is empty"
    elif len(name) > 63:
        why = "its name part is longer than 63 characters"
    elif not QUALIFIED.fullmatch(name):
        why = (
            "its name part must be alphanumerics, '-', '_' or '.', "
            "starting and ending with an alphanumeric"
        )
    return [FieldError(path, f"{excerpt(key)} is not a valid label key: {why}")] if why else []


def label_value(value: object, path: str) -> list[FieldError]:
    """Label values are strings (``map[string]string``): empty, or at most 63
    alphanumerics, ``-``, ``_`` and ``.``, starting and ending with an alphanumeric."""
    if value is None:
        return []  # a YAML null decodes as the empty string
    if not isinstance(value, str):
        return [FieldError(path, f"{describe(value)} is not a string: {_quote(value)}")]
    if value and (len(value) > 63 or not QUALIFIED.fullmatch(value)):
        return [
            FieldError(
                path,
                f"{excerpt(value)} is not a valid label value (at most 63 alphanumerics, '-', '_' "
                "or '.', starting and ending with an alphanumeric)",
            )
        ]
    return []


def _quote(value: object) -> str:
    if isinstance(value, (Mapping, list)):
        return "labels map keys to string values"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = excerpt(value)
    else:
        return "label values are strings"
    return f'quote it ("{text}"): label values are strings'


def key_text(key: object) -> str:
    """A mapping key as the text Kubernetes sees (YAML ``true:`` is ``"true"``); a huge
    number, or a key that is not a scalar, as :func:`excerpt` names it."""
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, str):
        return key
    text = excerpt(key)  # a number, or a key YAML allows and Kubernetes does not
    return str(key) if isinstance(key, int | float) and text == repr(key) else text


def labels(raw: Any, path: str) -> dict[str, str]:
    """A ``labels``/``matchLabels`` mapping, every key and value checked."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise FieldError(path, f"must be a mapping of label keys to values, not {describe(raw)}")
    problems: list[FieldError] = []
    out: dict[str, str] = {}
    for k, v in raw.items():
        key = key_text(k)
        if not (isinstance(v, str) and _valid_key(key) and _valid_value(v)):
            problems += label_key(key, f"{path}.{key}") + label_value(v, f"{path}.{key}")
        out[key] = v if isinstance(v, str) else ""
    raise_all(problems)
    return out


# Manifests repeat the same labels on thousands of pods: each distinct key and value is
# checked once (the checks above then name the path only when one fails).
@functools.lru_cache(maxsize=1 << 16)
def _valid_key(key: str) -> bool:
    return not label_key(key, "")


@functools.lru_cache(maxsize=1 << 16)
def _valid_value(value: str) -> bool:
    return not label_value(value, "")


def annotation_map(raw: Any, path: str) -> list[FieldError]:
    """Annotations map label-like keys (checked lowercased, as the API server does) to
    strings of any content."""
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        return [FieldError(path, f"must be a mapping of keys to strings, not {describe(raw)}")]
    problems: list[FieldError] = []
    for k, v in raw.items():
        key = key_text(k)
        if not _valid_key(key.lower()):
            problems += label_key(key.lower(), f"{path}.{key}")
        if v is not None and not isinstance(v, str):
            problems.append(FieldError(f"{path}.{key}", f"{describe(v)} is not a string: quote it"))
    return problems


def known_fields(raw: Mapping[str, Any], path: str, fields: Collection[str]) -> list[FieldError]:
    """Strict decoding: a field the schema does not have is an error (``fields`` in the
    order the message lists them; a frozenset's sorted)."""
    unknown = [key for key in raw if key not in fields]
    if not unknown:
        return []
    where = f"{path}." if path else ""
    expected = ", ".join(sorted(fields) if isinstance(fields, frozenset) else fields)
    return [
        FieldError(f"{where}{key}", f"unknown field (expected one of: {expected})")
        for key in unknown
    ]


def generated_name(prefix: str, seed: str) -> str:
    """The name the API server would give an object with ``generateName: prefix``: the
    prefix (cut to 58 characters) and 5 characters of its alphabet. The API server draws
    them at random; reach derives them from ``seed`` (the object's file, document and field
    path), so that one input always gives the same names."""
    digest = hashlib.sha256(seed.encode()).digest()
    suffix = "".join(_SUFFIX_ALPHABET[b % len(_SUFFIX_ALPHABET)] for b in digest[:_SUFFIX_LENGTH])
    return prefix[: 63 - _SUFFIX_LENGTH] + suffix


@dataclass(frozen=True)
class Meta:
    """What reach uses of an object's ``metadata``, validated."""

    name: str
    namespace: str  # "" for cluster-scoped kinds
    labels: dict[str, str]


def namespace_of(meta: Mapping[str, Any]) -> str:
    """``metadata.namespace``, ``default`` when absent."""
    ns = meta.get("namespace") or "default"
    if not isinstance(ns, str):
        raise FieldError("metadata.namespace", f"must be a string, not {describe(ns)}")
    return ns


def metadata(obj: Mapping[str, Any], kind: str, seed: str, *, namespaced: bool = True) -> Meta:
    """The object's top-level fields and ``metadata``, every problem raised at once."""
    problems = known_fields(obj, "", OBJECT_FIELDS)
    raw = obj.get("metadata")
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise FieldErrors(
            [*problems, FieldError("metadata", f"must be a mapping, not {describe(raw)}")]
        )
    name = _name(raw, kind, seed, problems)
    namespace = ""
    if namespaced:
        try:
            namespace = namespace_of(raw)
        except FieldError as e:
            problems.append(e)
        else:
            if raw.get("namespace"):
                problems += dns_label(namespace, "metadata.namespace")
    found = template_metadata(raw, "metadata", problems)
    raise_all(problems)
    return Meta(name, namespace, found)


def template_metadata(
    raw: Mapping[str, Any], path: str, problems: list[FieldError]
) -> dict[str, str]:
    """Unknown fields, labels and annotations of a ``metadata`` mapping; returns the labels
    and adds the problems to ``problems``."""
    problems += known_fields(raw, path, OBJECT_META_FIELDS)
    problems += annotation_map(raw.get("annotations"), f"{path}.annotations")
    try:
        return labels(raw.get("labels"), f"{path}.labels")
    except FieldError as e:
        problems += each_problem(e)
        return {}


def _name(raw: Mapping[str, Any], kind: str, seed: str, problems: list[FieldError]) -> str:
    name, prefix = raw.get("name"), raw.get("generateName")
    if not name and isinstance(prefix, str) and prefix:
        name = generated_name(prefix, seed)
    if not isinstance(name, str) or not name:
        problems.append(FieldError("metadata.name", "is required (or metadata.generateName)"))
        return ""
    problems += object_name(kind, name)
    return name
