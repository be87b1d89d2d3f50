"""A kubeconfig checked before the client reads it, so that a broken one is named, never a
traceback: YAML that does not parse, fields of the wrong type, a credential that cannot be
sent in a header.

kubectl decodes a kubeconfig into typed structs and refuses what does not fit ("cannot
unmarshal number into Go struct field"); the Python client instead fails later on, on
whatever it first trips over (``'int' object is not iterable``). :func:`read_contexts`
checks what the client uses, each file of a merged ``KUBECONFIG`` in turn, and gives the
context names and the current context as kubectl picks them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from reach.input import kubeyaml
from reach.input.live.errors import LiveError
from reach.words import excerpt

#: The entries of each list of a kubeconfig, and the fields of each entry the client reads
#: as text (``None``: a mapping of anything) or as booleans.
_TEXT = "text"
_BOOL = "bool"
_SECTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "clusters": (
        "cluster",
        {
            "server": _TEXT,
            "certificate-authority": _TEXT,
            "certificate-authority-data": _TEXT,
            "tls-server-name": _TEXT,
            "proxy-url": _TEXT,
            "insecure-skip-tls-verify": _BOOL,
        },
    ),
    "users": (
        "user",
        {
            "token": _TEXT,
            "tokenFile": _TEXT,
            "username": _TEXT,
            "password": _TEXT,
            "client-certificate": _TEXT,
            "client-certificate-data": _TEXT,
            "client-key": _TEXT,
            "client-key-data": _TEXT,
        },
    ),
    "contexts": ("context", {"cluster": _TEXT, "user": _TEXT, "namespace": _TEXT}),
}
#: Fields sent in an HTTP header: no control character may be in them.
_HEADER_FIELDS = frozenset({"token", "username", "password"})


@dataclass
class Contexts:
    """The contexts of a (merged) kubeconfig: their names, and the current one."""

    names: list[str] = field(default_factory=list)
    current: str | None = None


def read_contexts(paths: str) -> Contexts:
    """The contexts of the kubeconfig files ``paths`` (``os.pathsep``-separated, merged as
    kubectl merges them: the first file that sets ``current-context`` wins); a LiveError
    naming the file and field of the first problem found."""
    found = Contexts()
    for p in paths.split(os.pathsep):
        path = os.path.expanduser(p)
        if not p or not os.path.isfile(path):
            continue
        doc = _load(p, path)
        _check(p, doc)
        for entry in doc.get("contexts") or []:
            if entry["name"] not in found.names:
                found.names.append(entry["name"])
        if found.current is None and doc.get("current-context"):
            found.current = doc["current-context"]
    return found


def _load(name: str, path: str) -> Mapping[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=kubeyaml.Loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f":{mark.line + 1}" if mark else ""
        what = " ".join(str(x) for x in (e.context, e.problem) if x)
        raise LiveError(f"kubeconfig {name}{line}: malformed YAML: {what}") from None
    except (yaml.YAMLError, OSError, UnicodeDecodeError, ValueError) as e:
        raise LiveError(f"kubeconfig {name}: cannot read it: {e}") from None
    if doc is None:
        return {}
    if not isinstance(doc, Mapping):
        raise _bad(name, "", f"must be a mapping, not {_kind(doc)}")
    return doc


def _check(name: str, doc: Mapping[str, Any]) -> None:
    """Raise a LiveError for the first field of ``doc`` that the client cannot use."""
    current = doc.get("current-context")
    if current is not None and not isinstance(current, str):
        raise _bad(name, "current-context", f"must be a string, not {_kind(current)}")
    for section, (key, fields) in _SECTIONS.items():
        entries = doc.get(section)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise _bad(name, section, f"must be a list, not {_kind(entries)}")
        for i, entry in enumerate(entries):
            at = f"{section}[{i}]"
            if not isinstance(entry, Mapping):
                raise _bad(name, at, f"must be a mapping, not {_kind(entry)}")
            if not isinstance(entry.get("name"), str):
                raise _bad(name, f"{at}.name", f"must be a string, not {_kind(entry.get('name'))}")
            body = entry.get(key)
            if not isinstance(body, Mapping):
                raise _bad(name, f"{at}.{key}", f"must be a mapping, not {_kind(body)}")
            _check_fields(name, f"{at}.{key}", body, fields)


def _check_fields(name: str, at: str, body: Mapping[str, Any], fields: dict[str, str]) -> None:
    for key, kind in fields.items():
        value = body.get(key)
        if value is None:
            continue
        if kind == _BOOL and not isinstance(value, bool):
            raise _bad(name, f"{at}.{key}", f"must be true or false, not {_kind(value)}")
        if kind == _TEXT and not isinstance(value, str):
            raise _bad(name, f"{at}.{key}", f"must be a string, not {_kind(value)}")
        if key in _HEADER_FIELDS and any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            raise _bad(
                name,
                f"{at}.{key}",
                "holds a control character (a line break?), which an HTTP header cannot "
                "carry: copy the credential again",
            )


def _bad(name: str, path: str, message: str) -> LiveError:
    where = f"kubeconfig {name} {path}" if path else f"kubeconfig {name}"
    return LiveError(f"{where}: {message}")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return excerpt(value)
