"""Mutation fuzz of the bundled examples (issue 25): no traceback, no hang, no exit code
outside 0, 1, 2 or of the wrong meaning, whatever the input.

A seeded mutator takes one of the examples (examples/shop, examples/shop-typo, the inputs
of tests/realworld), changes one of its files once (or two or three times) (a value replaced by a
hostile one, a key dropped, a list item repeated, a type changed, the kind swapped, the
a field reach reads added with a hostile value, the text cut or its lines shuffled, an
alias bomb added), and runs ``list`` and one of
``audit``, ``path`` and ``export`` on it in-process (tests/helpers.py ``run``), each within
:data:`LIMIT` seconds. What each exit code means:

- 0: an answer (``list``, ``export``: always; ``audit``: no finding fails; ``path``:
  reachable), on stdout (a listing of no connections is empty);
- 1: findings (``audit``) or not reachable (``path``), on stdout; never from ``list`` or
  ``export``;
- 2: bad input or usage, ``reach: error: ...`` on stderr and nothing on stdout.

``REACH_FUZZ_MUTANTS`` sets how many mutants (default 200, about 45 s), and
``REACH_FUZZ_SEED`` the seed (default 0); a failure names the mutant's seed and index,
what was changed, and where the mutant was written, so that it can be run again.
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import EXAMPLES, ROOT, run

MUTANTS = int(os.environ.get("REACH_FUZZ_MUTANTS", "200"))
SEED = int(os.environ.get("REACH_FUZZ_SEED", "0"))
#: Seconds one command may take on a mutant of these small examples.
LIMIT = 20.0

#: The examples mutated: directories of manifests (the real-world inputs that reach reads
#: without an error, so that a mutant's exit 2 comes from the mutation).
BASES = [
    EXAMPLES / "shop",
    EXAMPLES / "shop",
    EXAMPLES / "shop-typo",
    *(
        ROOT / "tests" / "realworld" / case / "input"
        for case in (
            "app-repo-dns-audit",
            "app-repo-without-kube-system",
            "calico-policy-in-app-repo",
            "crd-with-bare-equals",
            "duplicate-policy-versions",
            "extensions-v1beta1-networkpolicy",
            "install-without-namespace",
            "istio-authorization-policy",
            "many-copies-of-one-deployment",
            "operator-custom-resource",
            "operator-managed-pods",
        )
    ),
]

#: Values put in place of others: wrong types, edge numbers, hostile text.
HOSTILE: list[Any] = [
    None,
    True,
    False,
    0,
    5,
    "5",
    -1,
    65536,
    2**31,
    2**64,
    1.5,
    "",
    "false",
    "true",
    "80",
    "Ingress",
    "x" * 300,
    "a$\\frac$",
    "p\ud800",
    "\x1b[31mred\x1b[0m",
    "txt.\u202eexe",
    "line\nbreak",
    "*",
    "=",
    "0x" + "f" * 3600,
    [],
    {},
    [1, "a", None],
    {"a": 1},
    {"matchLabels": {"app": "x"}},
    [[[[[[[[[[[]]]]]]]]]]],
]

#: Fields reach reads, each with the keys one of which a mapping holds where the field
#: belongs (``kind``: a document's top); added there (or over what is there) with a value
#: of :data:`HOSTILE` or :data:`SHAPED`.
FIELDS: dict[str, tuple[str, ...]] = {
    "containers": ("containers",),
    "initContainers": ("containers",),
    "hostNetwork": ("containers",),
    "ports": ("image", "containerPort", "selector", "from", "to"),
    "containerPort": ("containerPort",),
    "protocol": ("containerPort", "port"),
    "port": ("port",),
    "endPort": ("port",),
    "status": ("kind",),
    "podIPs": ("podIP", "phase", "kind"),
    "podIP": ("podIPs", "phase", "kind"),
    "ownerReferences": ("labels", "namespace"),
    "policyTypes": ("podSelector",),
    "ingress": ("podSelector", "subject"),
    "egress": ("podSelector", "subject"),
    "from": ("from", "ports"),
    "to": ("to", "ports"),
    "action": ("action", "from", "to"),
    "priority": ("subject", "priority"),
    "replicas": ("template",),
    "labels": ("labels", "name"),
    "matchExpressions": ("matchLabels",),
    "selector": ("selector", "template"),
    "ipBlock": ("podSelector", "namespaceSelector", "ipBlock"),
    "cidr": ("cidr",),
}

#: Values shaped like what a field holds, holding something hostile.
SHAPED: list[Any] = [
    [{"name": "c", "ports": 5}],
    [{"name": "c", "ports": [{"containerPort": "80"}]}],
    [{"name": "c", "ports": [{"containerPort": 80, "protocol": ["TCP"]}]}],
    [{"controller": True, "kind": "Foo", "name": "x\ud800\u202e\x1b[2J$\\frac$"}],
    [{"controller": True, "kind": ["Foo"], "name": 5}],
    [{"ip": 5}, {"ip": "10.0.0.1"}, 7],
    [{"action": ["Allow"], "from": [{"namespaces": {}}]}],
    [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": 5}}]}],
    [{"key": "a", "operator": ["In"], "values": "x"}],
    {"podIPs": 5, "podIP": ["x"]},
]

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


# -- the mutator ---------------------------------------------------------------------


def _paths(doc: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside ``doc`` (keys and list indexes)."""
    yield at
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*at, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*at, i))


def _parent(doc: Any, path: tuple[Any, ...]) -> tuple[Any, Any]:
    for key in path[:-1]:
        doc = doc[key]
    return doc, path[-1]


def _replace(rng: random.Random, docs: list[Any]) -> str:
    doc = rng.choice(docs)
    paths = [p for p in _paths(doc) if p]
    known = [p for p in paths if p[-1] in FIELDS]  # fields reach reads, more often
    path = rng.choice(known if known and rng.random() < 0.6 else paths)
    parent, key = _parent(doc, path)
    value = copy.deepcopy(rng.choice(HOSTILE))
    parent[key] = value
    return f"{'.'.join(map(str, path))} = {value!r:.60}"


#: Values of every JSON type, for a field given the wrong one.
TYPES: list[Any] = [5, -1, "5", True, None, [], {}, [5], {"a": 5}, "0x" + "f" * 3600]


def _wrong_type(rng: random.Random, docs: list[Any]) -> str:
    """A field reach reads (there, or added where it belongs) given a value of a type it
    does not have."""
    doc = rng.choice(docs)
    known = [p for p in _paths(doc) if p and p[-1] in FIELDS]
    if not known or rng.random() < 0.3:
        return _add(rng, docs, TYPES)
    path = rng.choice(known)
    parent, key = _parent(doc, path)
    value = copy.deepcopy(rng.choice([v for v in TYPES if type(v) is not type(parent[key])]))
    parent[key] = value
    return f"{'.'.join(map(str, path))} = {value!r:.60}"


def _drop(rng: random.Random, docs: list[Any]) -> str:
    doc = rng.choice(docs)
    keyed = [p for p in _paths(doc) if p and isinstance(_parent(doc, p)[0], dict)]
    path = rng.choice(keyed)
    parent, key = _parent(doc, path)
    del parent[key]
    return f"del {'.'.join(map(str, path))}"


def _repeat(rng: random.Random, docs: list[Any]) -> str:
    doc = rng.choice(docs)
    lists = [p for p in _paths(doc) if p and isinstance(_parent(doc, p)[0], list)]
    if not lists:
        return _replace(rng, docs)
    path = rng.choice(lists)
    parent, key = _parent(doc, path)
    parent.insert(key, copy.deepcopy(parent[key]))
    return f"repeat {'.'.join(map(str, path))}"


def _retype(rng: random.Random, docs: list[Any]) -> str:
    doc = rng.choice(docs)
    path = rng.choice([p for p in _paths(doc) if p])
    parent, key = _parent(doc, path)
    value = parent[key]
    if isinstance(value, list) and value:
        parent[key] = value[0]
        return f"{'.'.join(map(str, path))}: list -> first item"
    if isinstance(value, dict):
        parent[key] = list(value.values())
        return f"{'.'.join(map(str, path))}: mapping -> list"
    parent[key] = [value]
    return f"{'.'.join(map(str, path))}: wrapped in a list"


KINDS = [
    ("v1", "Pod"),
    ("v1", "Namespace"),
    ("v1", "Service"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("networking.k8s.io/v1", "Ingress"),
    ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy"),
    ("policy.networking.k8s.io/v1alpha1", "BaselineAdminNetworkPolicy"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"),
    ("v1", "List"),
]


def _add(rng: random.Random, docs: list[Any], values: list[Any] | None = None) -> str:
    doc = rng.choice(docs)
    key = rng.choice(list(FIELDS))
    maps = [p for p in _paths(doc) if isinstance(_value(doc, p), dict)]
    home = [p for p in maps if any(k in _value(doc, p) for k in FIELDS[key])]
    if not home and FIELDS[key][-1] == "kind":  # a status to hold it
        doc.setdefault("status", {})
        home = [("status",)] if isinstance(doc["status"], dict) else []
    path = rng.choice(home or maps)
    pool = values or (SHAPED if rng.random() < 0.5 else HOSTILE)
    value = copy.deepcopy(rng.choice(pool))
    _value(doc, path)[key] = value
    return f"{'.'.join(map(str, (*path, key)))} = {value!r:.60}"


def _value(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _rekind(rng: random.Random, docs: list[Any]) -> str:
    doc = rng.choice(docs)
    api, kind = rng.choice(KINDS)
    doc["apiVersion"], doc["kind"] = api, kind
    return f"kind = {kind}"


STRUCTURAL: list[Callable[[random.Random, list[Any]], str]] = [
    _replace,
    _replace,
    _replace,
    _add,
    _add,
    _wrong_type,
    _wrong_type,
    _wrong_type,
    _wrong_type,
    _drop,
    _repeat,
    _retype,
    _rekind,
]


def _text(rng: random.Random, text: str) -> tuple[str, str]:
    """A change of the text itself: cut, a line dropped or doubled, lines swapped, a
    character inserted, a separator, an alias bomb."""
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    choice = rng.randrange(7)
    if choice == 0:
        cut = rng.randrange(len(text) + 1)
        return text[:cut], f"cut at {cut}"
    if choice == 1:
        del lines[i]
        return "\n".join(lines), f"line {i + 1} dropped"
    if choice == 2:
        lines.insert(i, lines[i])
        return "\n".join(lines), f"line {i + 1} doubled"
    if choice == 3:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines), f"lines {i + 1} and {j + 1} swapped"
    if choice == 4:
        c = rng.choice("\t:-[]{}&*!|>'\"%@`#\x00\ufeff\u2028 ")
        pos = rng.randrange(len(text) + 1)
        return text[:pos] + c + text[pos:], f"{c!r} inserted at {pos}"
    if choice == 5:
        lines.insert(i, "---")
        return "\n".join(lines), f"--- at line {i + 1}"
    return ALIAS_BOMB + "---\n" + text, "alias bomb prepended"


def mutant(index: int, into: Path) -> tuple[Path, list[str]]:
    """Mutant ``index``: a copy of an example in ``into``, one file changed; what changed."""
    rng = random.Random(SEED * 1_000_003 + index)
    base = rng.choice(BASES)
    shutil.copytree(base, into, dirs_exist_ok=True)
    files = sorted(p for p in into.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    target = rng.choice(files)
    text = target.read_text()
    done = [f"{base.relative_to(ROOT)}: {target.relative_to(into)}"]
    docs = [d for d in _load(text) if isinstance(d, dict) and d]
    if docs and rng.random() < 0.8:
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            done.append(rng.choice(STRUCTURAL)(rng, docs))
        text, as_json = _dump(docs, rng.random() < 0.2)
        if as_json:
            target.unlink()
            target = target.with_suffix(".json")
    else:
        text, what = _text(rng, text)
        done.append(what)
    target.write_text(text, encoding="utf-8", errors="surrogatepass")
    return into, done


def _load(text: str) -> list[Any]:
    try:
        return list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        return []


def _dump(docs: list[Any], as_json: bool) -> tuple[str, bool]:
    """The documents as YAML, or as JSON (one document, or a List of them)."""
    if not as_json:
        try:
            return yaml.safe_dump_all(docs, allow_unicode=False), False
        except (yaml.YAMLError, UnicodeError, ValueError):
            pass
    doc = docs[0] if len(docs) == 1 else {"apiVersion": "v1", "kind": "List", "items": docs}
    return json.dumps(doc), True


# -- running ---------------------------------------------------------------------------


class TooSlow(Exception):
    """A command ran past :data:`LIMIT`."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expired(signum: int, frame: object) -> None:
        raise TooSlow(f"over {seconds:g} s")

    before = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)


#: The second command run on a mutant (after ``list``), by mutant index; and the exit
#: codes each command may give.
COMMANDS: list[list[str]] = [
    ["audit"],
    ["path", "web/frontend", "db/postgres"],
    ["export", "--format", "json"],
    ["export", "--format", "dot"],
]
CODES = {"list": {0, 2}, "export": {0, 2}, "audit": {0, 1, 2}, "path": {0, 1, 2}}


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
@pytest.mark.parametrize("index", range(MUTANTS))
def test_mutant(index: int, tmp_path: Path) -> None:
    folder, changes = mutant(index, tmp_path / "mutant")
    what = f"mutant {index} (REACH_FUZZ_SEED={SEED}) in {folder}: " + "; ".join(changes)
    listed = check(["list"], folder, what)
    second = COMMANDS[index % len(COMMANDS)]
    if second[0] == "path":
        second = ["path", *_pair(listed, index)]
    check(second, folder, what)


def check(command: list[str], folder: Path, what: str) -> str:
    """Run ``reach COMMAND -f FOLDER`` within the time limit, check its exit code and
    outputs against what the code means; its stdout."""
    argv = [*command, "-f", str(folder)]
    try:
        with time_limit(LIMIT):
            code, out, err = run(argv)
    except TooSlow as e:
        pytest.fail(f"reach {' '.join(argv)} ran {e}: {what}")
    except Exception as e:  # noqa: BLE001 - any escaping exception is the failure
        raise AssertionError(f"reach {' '.join(argv)} raised {e!r}: {what}") from e
    assert code in CODES[command[0]], f"exit {code} from {command[0]}: {what}\n{err}"
    if code == 2:
        assert "reach: error: " in err and out == "", f"exit 2 without an error: {what}\n{err}"
    else:  # an answer: only a listing may be empty (no pods, no connections)
        assert "reach: error" not in err, f"exit {code} with an error: {what}\n{err}"
        assert out or command[0] == "list", f"exit {code} without an answer: {what}\n{err}"
    return out


def _pair(listed: str, index: int) -> list[str]:
    """Two nodes of a listing's line (the shop's frontend and database when none)."""
    pairs = [line.split(" : ")[0].split(" => ") for line in listed.splitlines() if " => " in line]
    if not pairs:
        return ["web/frontend", "db/postgres"]
    return pairs[index % len(pairs)]
