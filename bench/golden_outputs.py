#!/usr/bin/env python3
"""Golden CLI outputs: capture what `reach` prints, then compare two captures byte for byte.

Meant for refactorings that must not change behaviour: capture with the old code,
capture with the new code, compare.

Usage:
  python bench/golden_outputs.py capture OUTDIR [--reach CMD] [--root DIR] [--shared DIR]
                                 [--jobs N] [--force] [--no-3k] [--hash-seed N|random]
  python bench/golden_outputs.py compare DIR_A DIR_B [--max-files N] [--max-lines N]
  python bench/golden_outputs.py list                # print the invocations, do not run them

Example: the old code from git, run with this venv's dependencies (the console
script, not `python -m reach`, whose usage lines say "python -m reach"):
  mkdir -p /tmp/reach-old && git archive HEAD reach | tar -x -C /tmp/reach-old
  python bench/golden_outputs.py capture /tmp/golden-before \
      --reach "env PYTHONPATH=/tmp/reach-old $PWD/.venv/bin/reach"
  ... restructure ...
  python bench/golden_outputs.py capture /tmp/golden-after      # `reach` on PATH
  python bench/golden_outputs.py compare /tmp/golden-before /tmp/golden-after
An old checkout with its own venv works too: --reach /tmp/reach-old/.venv/bin/reach.

`capture` runs a fixed list of invocations (every subcommand, every --format and
--by, error cases) with the working directory at --root (default: the repository
holding this script), so the relative input paths (examples/...) resolve there.
Inputs: examples/shop, examples/shop-typo, examples/expectations/shop.yaml, four
conformance cases from $REACH_SHARED/conformance (default ../shared next to the
repository), and a generated 3000-pod cluster cached in bench/.cache/golden-3k.yaml
(made by $REACH_SHARED/bench/gen_cluster.py with --pods 3000 --policies 500
--namespaces 50 --seed 1, run with the Python given by --python, which needs
PyYAML) plus bench/.cache/golden-3k-edit.yaml, the same file without its first
three NetworkPolicies (for `diff`). The 3k node names are picked from the file
by fixed rules (see `pick_3k`), so every run uses the same ones.

Each invocation NNN-name writes NNN-name.out (stdout), NNN-name.err (stderr) and
NNN-name.rc (exit code), plus the files it writes with -o/--png, named
NNN-name.<ext>. `inputs.sha256` records the hashes of the input files, so a
changed input shows up as a difference of its own. Both captures must use the
same version of this script (the numbering follows the list).

Normalised before writing: the capture directory (<OUT>), the root (<ROOT>)
and the shared directory (<SHARED>) in any output; in SVG, matplotlib's
<dc:date> and its random ids of clip paths, markers and images (renumbered by
first appearance); the "Matplotlib is building the font cache" line on stderr.
PNG files are kept byte for byte (matplotlib writes no date in them; a different
matplotlib version in the other venv can still change them). Every run gets
COLUMNS=100, NO_COLOR=1, TERM=dumb, PYTHONHASHSEED=0 (--hash-seed), and stdin
from /dev/null unless the invocation feeds stdin. Two captures of the same code
compare identical. The fixed hash seed matters: the drawings of `exposure --png`
depend on string hash order (the figure size changes with PYTHONHASHSEED, seen
with reach 0.1.0 at 422952b); --hash-seed random shows such dependence.

`compare` compares every file of both directories, prints the differing (or
missing) ones with a short unified diff around the first differences, then
"N outputs compared, M differ"; it exits 0 when all are identical, else 1.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import hashlib
import itertools
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REACH_SHARED", ROOT.parent / "shared"))
CACHE_3K = Path("bench/.cache/golden-3k.yaml")  # relative to --root
CACHE_3K_EDIT = Path("bench/.cache/golden-3k-edit.yaml")
GEN_ARGS = ["--pods", "3000", "--policies", "500", "--namespaces", "50", "--seed", "1"]
TIMEOUT = 600.0  # seconds per invocation
RESERVED_SUFFIXES = {"out", "err", "rc"}
INPUTS_FILE = "inputs.sha256"
OUT_TOKEN = "{out}"  # in an argument: replaced by OUTDIR/NNN-name (add the extension)


# --------------------------------------------------------------------------- invocations


@dataclass(frozen=True)
class Inv:
    """One CLI invocation: a file-name slug, the arguments after the command, optional stdin."""

    name: str
    args: tuple[str, ...]
    stdin: bytes | None = None
    heavy: bool = False  # on the 3k cluster: started first so the pool ends evenly


@dataclass
class Cluster3k:
    """Node references picked from the generated cluster (see pick_3k)."""

    src: str  # the first api-gateway workload
    reach1: str  # workload in the middle of the file (reachable from src)
    reach2: str  # workload at a quarter of the file
    unreach: str  # the first workload (coredns: reached by no app workload)
    last: str  # the last workload
    ingress: str  # first workload of ingress-nginx
    src_pod: str  # pod/ns/name of src's first pod
    reach1_pod: str
    reach1_ns: str
    first_namespaces: list[str] = field(default_factory=list)


def _doc_fields(doc: str) -> tuple[str, str, str, str] | None:
    """(kind, namespace, name, first owner's name) of one document of gen_cluster's output.

    The generator writes block YAML with fixed indentation, so a line scan is enough:
    top-level `kind:`, the `metadata:` keys at two spaces, and the list under
    `ownerReferences:` (items at two or more spaces, starting with "- ").
    """
    kind = namespace = name = owner_name = ""
    section = ""
    in_owners = False
    owner_items = 0
    for line in doc.splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0:
            section = text.split(":", 1)[0]
            if section == "kind":
                kind = text.split(":", 1)[1].strip()
            in_owners = False
            continue
        if section != "metadata":
            continue
        if indent == 2 and not text.startswith("-"):
            key, _, value = text.partition(":")
            in_owners = key == "ownerReferences"
            if key == "name":
                name = value.strip()
            elif key == "namespace":
                namespace = value.strip()
            continue
        if not in_owners:
            continue
        if text.startswith("- "):
            owner_items += 1
            text = text[2:].strip()
        key, _, value = text.partition(":")
        if owner_items == 1 and key == "name":
            owner_name = value.strip()
    if not kind:
        return None
    return kind, namespace, name, owner_name


def pick_3k(path: Path) -> Cluster3k:
    """Pick node references from the generated cluster by fixed rules (file order).

    Workloads are the pods' controllers (ReplicaSets in gen_cluster's output) in order of
    first appearance; a pod without an owner is its own workload (referenced as pod/ns/name).
    """
    text = path.read_text(encoding="utf-8")
    namespaces: list[str] = []
    workloads: list[str] = []
    first_pod: dict[str, str] = {}
    for doc in re.split(r"(?m)^---[ \t]*$", text):
        fields = _doc_fields(doc)
        if fields is None:
            continue
        kind, namespace, name, owner_name = fields
        if kind == "Namespace":
            namespaces.append(name)
        elif kind == "Pod":
            ref = f"{namespace}/{owner_name}" if owner_name else f"pod/{namespace}/{name}"
            if ref not in first_pod:
                workloads.append(ref)
                first_pod[ref] = f"pod/{namespace}/{name}"
    if len(workloads) < 8 or len(namespaces) < 4:
        raise SystemExit(f"{path}: too few workloads/namespaces to pick from; regenerate it")

    def short(ref: str) -> str:
        return ref.rsplit("/", 1)[-1]

    src = next((w for w in workloads if short(w).startswith("api-gateway-")), workloads[1])
    ingress = next((w for w in workloads if w.startswith("ingress-nginx/")), workloads[2])
    reach1 = workloads[len(workloads) // 2]
    return Cluster3k(
        src=src,
        reach1=reach1,
        reach2=workloads[len(workloads) // 4],
        unreach=workloads[0],
        last=workloads[-1],
        ingress=ingress,
        src_pod=first_pod[src],
        reach1_pod=first_pod[reach1],
        reach1_ns=reach1.removeprefix("pod/").split("/", 1)[0],
        first_namespaces=namespaces[:6],
    )


BAD_YAML = b"kind: Pod\nmetadata: {name: x}\nspec: [1\n"

BAD_OBJECTS = b"""\
apiVersion: v1
kind: Namespace
metadata: {name: demo, labels: {kubernetes.io/metadata.name: demo}}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: demo, labels: {app: a}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: demo, labels: {app: b}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: good, namespace: demo}
spec:
  podSelector: {matchLabels: {app: a}}
  ingress: [{from: [{podSelector: {matchLabels: {app: b}}}], ports: [{port: 80}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: demo}
spec:
  podSelector: {matchLabels: {app: b}}
  policyTypes: [Sideways]
  ingress: [{ports: [{port: 99999, protocol: TCP}]}]
"""

COMMANDS = (
    "list", "summary", "path", "blast-radius", "exposure",
    "explain", "audit", "diff", "export", "snapshot",
)  # fmt: skip

Part = str | Sequence[str]


def inv(name: str, *parts: Part, stdin: bytes | None = None, heavy: bool = False) -> Inv:
    """Build an invocation: a str part is split on whitespace, a sequence is taken as is.

    Pass paths (which may hold spaces) as one-element lists.
    """
    args: list[str] = []
    for part in parts:
        args += part.split() if isinstance(part, str) else list(part)
    return Inv(name, tuple(args), stdin, heavy)


def shop_invocations(root: Path) -> list[Inv]:
    """Every subcommand on the example shop (and its typo'd twin)."""
    s, t, x = "examples/shop", "examples/shop-typo", "examples/expectations/shop.yaml"
    shop_cat = b"---\n".join(
        (root / s / f).read_bytes() for f in ("namespaces.yaml", "workloads.yaml", "policies.yaml")
    )
    out: list[Inv] = [inv("help", "--help")]
    out += [inv(f"help-{c}", c, "--help") for c in COMMANDS]

    ls = f"list -f {s}"
    for fmt in ("txt", "json", "csv", "md"):
        for by in ("pod", "workload", "namespace"):
            out.append(inv(f"shop-list-{fmt}-{by}", ls, f"--format {fmt} --by {by}"))
    out += [
        inv("shop-list-default", ls),
        inv("shop-list-ipv6-txt", ls, "--ipv6"),
        inv("shop-list-noipv6-json", ls, "--no-ipv6 --format json"),
        inv("typo-list-txt", f"list -f {t}"),
        inv("typo-list-json-pod", f"list -f {t} --format json --by pod"),
        inv("shop-list-o-txt", ls, "-o", [OUT_TOKEN + ".txt"]),
        inv("shop-list-o-json", ls, "--format json -o", [OUT_TOKEN + ".json"]),
        inv("shop-list-stdin", "list -f -", stdin=shop_cat),
        inv("shop-list-multi-f", f"list -f {s}/policies.yaml -f {s}/workloads.yaml -f {s}"),
        inv("shop-summary-txt", f"summary -f {s}"),
        inv("shop-summary-json", f"summary -f {s} --format json"),
        inv("typo-summary-txt", f"summary -f {t}"),
        inv("typo-summary-json", f"summary -f {t} --format json"),
    ]

    p = f"path -f {s}"
    fp = f"{p} web/frontend db/postgres"
    gp = f"{p} web/api-gateway app/payments"
    op = f"{p} app/orders db/postgres"
    out += [
        inv("shop-path-frontend-postgres", fp),
        inv("shop-path-frontend-postgres-json", fp, "--format json"),
        inv("shop-path-frontend-postgres-all", fp, "--all"),
        inv("shop-path-frontend-postgres-all-json", fp, "--all --format json"),
        inv("shop-path-frontend-postgres-maxhops2", fp, "--max-hops 2"),
        inv("shop-path-gw-payments-8080-all", gp, "--port 8080/TCP --all"),
        inv("shop-path-gw-payments-50051", gp, "--port 50051/TCP"),
        inv("shop-path-gw-payments-50051-json", gp, "--port 50051/TCP --format json"),
        inv("shop-path-postgres-frontend", p, "db/postgres web/frontend"),
        inv("shop-path-postgres-frontend-json", p, "db/postgres web/frontend --format json"),
        inv("shop-path-orders-postgres-5432", op, "--port 5432/TCP"),
        inv("shop-path-orders-postgres-udp", op, "--port 5432/UDP"),
        inv("shop-path-orders-postgres-range", op, "--port 5000-6000"),
        inv("shop-path-kinds", p, "deployment/frontend statefulset/postgres"),
        inv("shop-path-bare-name", p, "frontend postgres"),
        inv("shop-path-by-pod", p, "pod/web/frontend-0 pod/db/postgres --by pod"),
        inv("shop-path-by-pod-all-json", p, "pod/web/frontend-0 pod/db/postgres --by pod --all"),
        inv("shop-path-by-namespace", p, "namespace/web namespace/db --by namespace"),
        inv("shop-path-label-ip", p, "app=payments 203.0.113.5 -n app"),
        inv("shop-path-label-ip-json", p, "app=payments 203.0.113.5 -n app --format json"),
        inv("shop-path-label-ns", p, "tier=backend db/postgres -n app"),
        inv("shop-path-internet-gw", p, "8.8.8.8 web/api-gateway"),
        inv("shop-path-cidr-gw-json", p, "198.51.100.0/24 web/api-gateway --format json"),
        inv("shop-path-listed-id", p, "web/frontend[Deployment] db/postgres[StatefulSet]"),
        inv("shop-path-svg", fp, "--png", [OUT_TOKEN + ".svg"]),
        inv("typo-path-orders-postgres", f"path -f {t} app/orders db/postgres"),
        inv("typo-path-orders-postgres-json", f"path -f {t} app/orders db/postgres --format json"),
    ]

    b, e = f"blast-radius -f {s}", f"exposure -f {s}"
    out += [
        inv("shop-blast-gw", b, "web/api-gateway"),
        inv("shop-blast-gw-json", b, "web/api-gateway --format json"),
        inv("shop-blast-gw-by-namespace", b, "web/api-gateway --by namespace"),
        inv("shop-blast-gw-by-pod-json", b, "web/api-gateway --by pod --format json"),
        inv("shop-blast-frontend-pod-hops2-port", b, "pod/web/frontend-0 --hops 2 --port 5432/TCP"),
        inv("shop-blast-orders-hops1", b, "app/orders --hops 1"),
        inv("shop-blast-postgres", b, "db/postgres"),
        inv("shop-blast-cidr", b, "10.0.0.0/8"),
        inv("shop-blast-prometheus-json", b, "monitoring/prometheus --format json"),
        inv("shop-blast-svg", b, "app/orders --png", [OUT_TOKEN + ".svg"]),
        inv("typo-blast-orders", f"blast-radius -f {t} app/orders"),
        inv("shop-exposure-postgres", e, "db/postgres"),
        inv("shop-exposure-postgres-json", e, "db/postgres --format json"),
        inv("shop-exposure-postgres-hops1-json", e, "db/postgres --hops 1 --format json"),
        inv("shop-exposure-postgres-by-pod", e, "db/postgres --by pod"),
        inv("shop-exposure-db-by-namespace", e, "namespace/db --by namespace"),
        inv("shop-exposure-gw", e, "web/api-gateway"),
        inv("shop-exposure-gw-json", e, "web/api-gateway --format json"),
        inv("shop-exposure-gw-8443", e, "web/api-gateway --port 8443/TCP"),
        inv("shop-exposure-payments-label", e, "app=payments -n app"),
        inv("shop-exposure-svg", e, "db/postgres --png", [OUT_TOKEN + ".svg"]),
        inv("typo-exposure-postgres", f"exposure -f {t} db/postgres"),
    ]

    xp, xt = f"explain -f {s}", f"explain -f {t}"
    out += [
        inv("shop-explain-orders-postgres", xp, "app/orders db/postgres"),
        inv("shop-explain-orders-postgres-json", xp, "app/orders db/postgres --format json"),
        inv("shop-explain-frontend-postgres", xp, "web/frontend db/postgres"),
        inv("shop-explain-frontend-postgres-json", xp, "web/frontend db/postgres --format json"),
        inv("shop-explain-payments-ip", xp, "app/payments 203.0.113.10"),
        inv("shop-explain-internet-gw-json", xp, "1.2.3.4 web/api-gateway --format json"),
        inv("shop-explain-pod-gw", xp, "pod/web/frontend-0 web/api-gateway"),
        inv("shop-explain-label-ns", xp, "tier=backend db/redis -n app"),
        inv("typo-explain-orders-postgres", xt, "app/orders db/postgres"),
        inv("typo-explain-orders-postgres-json", xt, "app/orders db/postgres --format json"),
    ]

    a_s, a_t = f"audit -f {s}", f"audit -f {t}"
    for fmt in ("txt", "json", "md", "junit"):
        out += [
            inv(f"shop-audit-{fmt}", a_s, f"--format {fmt}"),
            inv(f"shop-audit-expect-{fmt}", a_s, f"--expect {x} --format {fmt}"),
            inv(f"typo-audit-{fmt}", a_t, f"--format {fmt}"),
            inv(f"typo-audit-expect-{fmt}", a_t, f"--expect {x} --format {fmt}"),
        ]
    out += [
        inv("shop-audit-fail-on-low", a_s, "--fail-on low"),
        inv("shop-audit-fail-on-medium", a_s, f"--expect {x} --fail-on medium"),
        inv("typo-audit-expect-fail-on-high", a_t, f"--expect {x} --fail-on high"),
        inv("shop-audit-skip", a_s, "--skip namespace-default-deny-egress"),
        inv(
            "shop-audit-skip-two-json",
            a_s,
            "--skip pod-egress-unisolated --skip pod-ingress-unisolated --format json",
        ),
        inv("typo-audit-no-checks", a_t, f"--expect {x} --no-checks"),
        inv("typo-audit-no-checks-json", a_t, f"--expect {x} --no-checks --format json"),
        inv("audit-list-checks", "audit --list-checks"),
        inv("typo-audit-o-junit", a_t, f"--expect {x} --format junit -o", [OUT_TOKEN + ".xml"]),
        inv("typo-audit-o-md", a_t, "--format md -o", [OUT_TOKEN + ".md"]),
    ]

    for fmt in ("txt", "json", "md", "csv"):
        for by in ("pod", "workload", "namespace"):
            out.append(inv(f"diff-shop-typo-{fmt}-{by}", f"diff {s} {t} --format {fmt} --by {by}"))
    out += [
        inv("diff-typo-shop-txt", f"diff {t} {s}"),
        inv("diff-typo-shop-json", f"diff {t} {s} --format json"),
        inv("diff-shop-shop-txt", f"diff {s} {s}"),
        inv("diff-shop-shop-exit-code", f"diff {s} {s} --exit-code"),
        inv("diff-shop-typo-exit-code", f"diff {s} {t} --exit-code"),
        inv("diff-shop-file-vs-dir", f"diff {s}/policies.yaml {s}"),
        inv("diff-shop-typo-o-md", f"diff {s} {t} --format md -o", [OUT_TOKEN + ".md"]),
        inv("diff-shop-typo-o-csv", f"diff {s} {t} --format csv -o", [OUT_TOKEN + ".csv"]),
    ]

    ex = f"export -f {s}"
    for fmt in ("dot", "json", "graphml", "svg"):
        for by in ("pod", "workload", "namespace"):
            out.append(inv(f"shop-export-{fmt}-{by}", ex, f"--format {fmt} --by {by}"))
    out += [
        inv("shop-export-default", ex),
        inv("typo-export-dot", f"export -f {t} --format dot"),
        inv("shop-export-json-no-policies", ex, "--format json --no-policies"),
        inv("shop-export-graphml-no-policies", ex, "--format graphml --no-policies"),
        inv("shop-export-dot-ns-filter", ex, "--format dot -n app -n db"),
        inv("shop-export-json-ns-filter", ex, "--format json -n web"),
        inv("shop-export-dot-focus", ex, "--focus web/api-gateway --hops 1"),
        inv("shop-export-json-focus-hops2", ex, "--focus web/api-gateway --hops 2 --format json"),
        inv("shop-export-graphml-focus", ex, "--focus pod/db/postgres --by pod --format graphml"),
        inv("shop-export-matrix-json", ex, "--view matrix --format json"),
        inv("shop-export-matrix-json-count", ex, "--view matrix --value count --format json"),
        inv("shop-export-matrix-svg", ex, "--view matrix --format svg"),
        inv("shop-export-o-dot", ex, "-o", [OUT_TOKEN + ".dot"]),
        inv("shop-export-o-json", ex, "-o", [OUT_TOKEN + ".json"]),
        inv("shop-export-o-graphml", ex, "-o", [OUT_TOKEN + ".graphml"]),
        inv("shop-export-o-svg", ex, "-o", [OUT_TOKEN + ".svg"]),
        inv("shop-export-o-png", ex, "-o", [OUT_TOKEN + ".png"]),
        inv("shop-export-o-matrix-svg", ex, "--view matrix -o", [OUT_TOKEN + ".svg"]),
        inv("shop-export-o-format-wins", ex, "--format dot -o", [OUT_TOKEN + ".txt"]),
    ]
    return out


def error_invocations() -> list[Inv]:
    """Bad references, missing files, bad options, bad input: messages and exit codes."""
    s, x = "examples/shop", "examples/expectations/shop.yaml"
    fp = f"path -f {s} web/frontend db/postgres"
    return [
        inv("err-path-bad-node", f"path -f {s} web/nosuch db/postgres"),
        inv("err-path-bad-node-close", f"path -f {s} web/fronted db/postgres"),
        inv("err-blast-bad-kind", f"blast-radius -f {s} cronjob/frontend"),
        inv("err-explain-label-nomatch", f"explain -f {s} app=nomatch db/postgres"),
        inv("err-exposure-bad-namespace", f"exposure -f {s} namespace/nosuch --by namespace"),
        inv("err-path-missing-arg", f"path -f {s} web/frontend"),
        inv("err-path-bad-port", fp, "--port 99999/TCP"),
        inv("err-path-bad-port-syntax", fp, "--port http"),
        inv("err-path-bad-max-hops", fp, "--max-hops 0"),
        inv("err-list-missing-file", "list -f examples/nosuch"),
        inv("err-list-missing-file-skip-invalid", f"list -f examples/nosuch -f {s} --skip-invalid"),
        inv("err-list-bad-format", f"list -f {s} --format xml"),
        inv("err-list-bad-by", f"list -f {s} --by cluster"),
        inv("err-list-no-input", "list"),
        inv("err-list-unknown-option", f"list -f {s} --bogus"),
        inv("err-summary-bad-format", f"summary -f {s} --format csv"),
        inv("err-list-bad-yaml-stdin", "list -f -", stdin=BAD_YAML),
        inv("err-list-bad-objects", "list -f -", stdin=BAD_OBJECTS),
        inv("err-list-bad-objects-skip-invalid", "list -f - --skip-invalid", stdin=BAD_OBJECTS),
        inv("err-list-empty-stdin", "list -f -", stdin=b""),
        inv("err-audit-missing-expect", f"audit -f {s} --expect examples/nosuch.yaml"),
        inv("err-audit-bad-expect", f"audit -f {s} --expect {s}/policies.yaml"),
        inv("err-audit-bad-fail-on", f"audit -f {s} --fail-on bogus"),
        inv("err-audit-bad-skip", f"audit -f {s} --skip no-such-check"),
        inv("err-audit-bad-format", f"audit -f {s} --format csv"),
        inv("err-audit-expect-no-input", f"audit --expect {x}"),
        inv("err-diff-missing-new", f"diff {s} examples/nosuch"),
        inv("err-diff-missing-old", f"diff examples/nosuch {s}"),
        inv("err-diff-bad-format", f"diff {s} {s} --format junit"),
        inv("err-export-bad-format", f"export -f {s} --format bogus"),
        inv("err-export-matrix-dot", f"export -f {s} --view matrix --format dot"),
        inv("err-export-bad-focus", f"export -f {s} --focus web/nosuch"),
        inv("err-export-bad-view", f"export -f {s} --view tree"),
        inv("err-file-and-context", fp, "--context x"),
        inv("err-snapshot-files", f"snapshot -f {s}"),
        inv("err-unknown-command", "bogus"),
        inv("err-no-command"),
    ]


def conformance_invocations(shared: Path) -> list[Inv]:
    """Four conformance inputs: NetworkPolicy, ANP/BANP, ANP with IPv6, Ingress/Route."""
    c = shared / "conformance"
    ob = [str(c / "netpol" / "onlineboutique_workloads" / "input")]
    anp = [str(c / "anp" / "anp_banp_blog_demo" / "input")]
    v6 = [str(c / "anp" / "anp_and_banp_using_networks_with_ipv6_test" / "input")]
    ing = [str(c / "ingress" / "acs-security-demos" / "input")]
    out: list[Inv] = []
    for tag, d in (("ob", ob), ("anp", anp), ("v6", v6), ("ing", ing)):
        out += [
            inv(f"conf-{tag}-list-txt", "list -f", d),
            inv(f"conf-{tag}-list-json", "list -f", d, "--format json"),
            inv(f"conf-{tag}-list-csv-pod", "list -f", d, "--format csv --by pod"),
            inv(f"conf-{tag}-list-md-namespace", "list -f", d, "--format md --by namespace"),
            inv(f"conf-{tag}-summary-json", "summary -f", d, "--format json"),
            inv(f"conf-{tag}-audit-txt", "audit -f", d),
            inv(f"conf-{tag}-audit-json", "audit -f", d, "--format json"),
            inv(f"conf-{tag}-export-dot", "export -f", d, "--format dot"),
            inv(f"conf-{tag}-export-json", "export -f", d, "--format json"),
        ]
    out += [
        inv("conf-v6-list-txt-ipv6", "list -f", v6, "--ipv6"),
        inv("conf-v6-list-json-no-ipv6", "list -f", v6, "--format json --no-ipv6"),
        inv("conf-v6-exposure-json", "exposure -f", v6, "ns1/pod1 --format json"),
        inv("conf-v6-explain-ip6", "explain -f", v6, "ns1/pod1 2001:db8::1"),
        inv("conf-ob-path", "path -f", ob, "default/frontend default/cartservice"),
        inv("conf-ob-path-none", "path -f", ob, "default/cartservice default/frontend --all"),
        inv(
            "conf-ob-path-json",
            "path -f",
            ob,
            "default/loadgenerator default/paymentservice",
            "--all --format json",
        ),
        inv("conf-ob-blast", "blast-radius -f", ob, "default/frontend"),
        inv("conf-ob-blast-json", "blast-radius -f", ob, "default/frontend --format json"),
        inv("conf-ob-exposure", "exposure -f", ob, "default/redis-cart"),
        inv("conf-ob-exposure-json", "exposure -f", ob, "default/paymentservice --format json"),
        inv("conf-ob-explain", "explain -f", ob, "default/frontend default/redis-cart"),
        inv(
            "conf-ob-explain-json",
            "explain -f",
            ob,
            "default/checkoutservice",
            "default/emailservice",
            "--format json",
        ),
        inv("conf-anp-explain", "explain -f", anp, "foo/myfoo bar/mybar"),
        inv("conf-anp-explain-json", "explain -f", anp, "bar/mybar baz/mybaz --format json"),
        inv("conf-anp-explain-monitoring", "explain -f", anp, "monitoring/mymonitoring foo/myfoo"),
        inv("conf-anp-path", "path -f", anp, "foo/myfoo bar/mybar --all"),
        inv("conf-anp-blast-json", "blast-radius -f", anp, "foo/myfoo --format json"),
        inv("conf-anp-exposure", "exposure -f", anp, "monitoring/mymonitoring"),
        inv("conf-ing-path", "path -f", ing, "frontend/webapp backend/catalog"),
        inv(
            "conf-ing-path-json",
            "path -f",
            ing,
            "frontend/webapp payments/visa-processor",
            "--all --format json",
        ),
        inv("conf-ing-exposure", "exposure -f", ing, "backend/catalog"),
        inv("conf-ing-blast", "blast-radius -f", ing, "frontend/webapp"),
        inv("conf-ing-explain", "explain -f", ing, "backend/checkout payments/gateway"),
        inv("diff-conf-anp-v6", "diff", anp, v6),
        inv("diff-conf-anp-v6-json-ns", "diff", anp, v6, "--format json --by namespace"),
    ]
    return out


def big_invocations(k: Cluster3k) -> list[Inv]:
    """The generated 3k-pod cluster: no pod-level listing (hundreds of thousands of lines)."""
    g, ge = [str(CACHE_3K)], [str(CACHE_3K_EDIT)]

    def h(name: str, *parts: Part) -> Inv:
        return inv(name, *parts, heavy=True)

    ns3 = " ".join(f"-n {n}" for n in k.first_namespaces[3:6])
    src_reach1 = ["-f", *g, k.src, k.reach1]
    return [
        h("3k-summary-txt", "summary -f", g),
        h("3k-summary-json", "summary -f", g, "--format json"),
        h("3k-list-txt", "list -f", g),
        h("3k-list-json", "list -f", g, "--format json"),
        h("3k-list-csv", "list -f", g, "--format csv"),
        h("3k-list-txt-namespace", "list -f", g, "--by namespace"),
        h("3k-list-json-namespace", "list -f", g, "--format json --by namespace"),
        h("3k-list-md-namespace", "list -f", g, "--format md --by namespace"),
        h("3k-path-src-reach1", "path", src_reach1),
        h("3k-path-src-reach1-all", "path", src_reach1, "--all"),
        h("3k-path-src-reach1-json", "path", src_reach1, "--all --format json"),
        h("3k-path-src-reach2-port", "path -f", g, [k.src, k.reach2], "--port 8080/TCP"),
        h("3k-path-src-unreach", "path -f", g, [k.src, k.unreach]),
        h("3k-path-last-src-json", "path -f", g, [k.last, k.src], "--format json"),
        h("3k-path-ingress-reach1", "path -f", g, [k.ingress, k.reach1], "--all"),
        h("3k-path-pods", "path -f", g, [k.src_pod, k.reach1_pod], "--by pod"),
        h(
            "3k-path-namespaces",
            "path -f",
            g,
            [f"namespace/{k.first_namespaces[3]}", f"namespace/{k.reach1_ns}"],
            "--by namespace --all",
        ),
        h("3k-path-src-internet", "path -f", g, [k.src, "8.8.8.8"]),
        h("3k-blast-src", "blast-radius -f", g, [k.src]),
        h("3k-blast-src-json", "blast-radius -f", g, [k.src], "--format json"),
        h("3k-blast-src-hops2-port", "blast-radius -f", g, [k.src], "--hops 2 --port 8080/TCP"),
        h(
            "3k-blast-pod-hops1-json",
            "blast-radius -f",
            g,
            [k.src_pod],
            "--by pod --hops 1 --format json",
        ),
        h("3k-blast-ingress-namespace", "blast-radius -f", g, [k.ingress], "--by namespace"),
        h("3k-exposure-reach1", "exposure -f", g, [k.reach1]),
        h("3k-exposure-reach1-json", "exposure -f", g, [k.reach1], "--format json"),
        h("3k-exposure-unreach", "exposure -f", g, [k.unreach]),
        h(
            "3k-exposure-ns-namespace",
            "exposure -f",
            g,
            [f"namespace/{k.reach1_ns}"],
            "--by namespace",
        ),
        h("3k-explain-src-reach1", "explain", src_reach1),
        h("3k-explain-src-unreach-json", "explain -f", g, [k.src, k.unreach], "--format json"),
        h("3k-explain-ingress-last", "explain -f", g, [k.ingress, k.last]),
        h("3k-audit-txt", "audit -f", g),
        h("3k-audit-json", "audit -f", g, "--format json"),
        h("3k-audit-md", "audit -f", g, "--format md"),
        h("3k-audit-junit", "audit -f", g, "--format junit"),
        h("3k-diff-edit-txt", "diff", g, ge),
        h("3k-diff-edit-json", "diff", g, ge, "--format json"),
        h("3k-diff-edit-csv", "diff", g, ge, "--format csv"),
        h("3k-diff-edit-md-namespace", "diff", g, ge, "--format md --by namespace"),
        h("3k-export-dot", "export -f", g, "--format dot"),
        h("3k-export-json-namespace", "export -f", g, "--format json --by namespace --no-policies"),
        h(
            "3k-export-graphml-namespace",
            "export -f",
            g,
            "--format graphml --by namespace --no-policies",
        ),
        h("3k-export-json-ns-filter", "export -f", g, "--format json", ns3),
        h("3k-export-graphml-focus", "export -f", g, "--format graphml --focus", [k.unreach]),
        h(
            "3k-export-json-focus",
            "export -f",
            g,
            "--format json --no-policies --focus",
            [k.ingress],
        ),
        h("3k-export-matrix-json", "export -f", g, "--view matrix --format json"),
    ]


def all_invocations(root: Path, shared: Path, with_3k: bool) -> list[Inv]:
    invs = shop_invocations(root) + error_invocations() + conformance_invocations(shared)
    if with_3k:
        invs += big_invocations(pick_3k(root / CACHE_3K))
    names = [i.name for i in invs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SystemExit(f"duplicate invocation names: {', '.join(dupes)}")
    return invs


# --------------------------------------------------------------------------- inputs


def ensure_3k(root: Path, shared: Path, python: str) -> None:
    """Generate the 3k cluster and its edited copy into bench/.cache unless they exist."""
    big, edit = root / CACHE_3K, root / CACHE_3K_EDIT
    big.parent.mkdir(parents=True, exist_ok=True)
    if not big.exists():
        gen = shared / "bench" / "gen_cluster.py"
        tmp = big.with_suffix(".yaml.tmp")
        print(f"generating {CACHE_3K} with {gen} ...", file=sys.stderr)
        subprocess.run(
            [python, str(gen), *GEN_ARGS, "--out", str(tmp)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        tmp.replace(big)
    if not edit.exists() or edit.stat().st_mtime < big.stat().st_mtime:
        docs = re.split(r"(?m)^---\n", big.read_text(encoding="utf-8"))
        kept: list[str] = []
        dropped = 0
        for doc in docs:
            if dropped < 3 and re.search(r"(?m)^kind: NetworkPolicy$", doc):
                dropped += 1
                continue
            kept.append(doc)
        tmp = edit.with_suffix(".yaml.tmp")
        tmp.write_text("---\n".join(kept), encoding="utf-8")
        tmp.replace(edit)


def input_files(root: Path, shared: Path, with_3k: bool) -> list[Path]:
    dirs = [
        root / "examples" / "shop",
        root / "examples" / "shop-typo",
        root / "examples" / "expectations",
        shared / "conformance" / "netpol" / "onlineboutique_workloads" / "input",
        shared / "conformance" / "anp" / "anp_banp_blog_demo" / "input",
        shared / "conformance" / "anp" / "anp_and_banp_using_networks_with_ipv6_test" / "input",
        shared / "conformance" / "ingress" / "acs-security-demos" / "input",
    ]
    files = [f for d in dirs for f in sorted(d.rglob("*")) if f.is_file()]
    if with_3k:
        files += [root / CACHE_3K, root / CACHE_3K_EDIT]
    return files


def write_input_hashes(out: Path, root: Path, shared: Path, with_3k: bool) -> None:
    lines = []
    for f in input_files(root, shared, with_3k):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        label = str(f).replace(str(root) + "/", "<ROOT>/").replace(str(shared) + "/", "<SHARED>/")
        lines.append(f"{digest}  {label}\n")
    (out / INPUTS_FILE).write_text("".join(lines), encoding="utf-8")


# --------------------------------------------------------------------------- normalising

SVG_DATE = re.compile(rb"<dc:date>[^<]*</dc:date>")
# matplotlib's random ids: a type (p, m, image, ...) and 10 hex digits
SVG_ID_DEF = re.compile(rb'\bid="([a-z]+[0-9a-f]{10})"')
SVG_ID_USE = re.compile(rb"\b[a-z]+[0-9a-f]{10}\b")
FONT_CACHE = re.compile(rb"(?m)^Matplotlib is building the font cache[^\n]*\n?")


def normalise(data: bytes, out: Path, root: Path, shared: Path) -> bytes:
    """Make one output independent of the run: paths, SVG dates and ids, font-cache notes."""
    if data.startswith(b"\x89PNG"):
        return data
    for path, token in ((out, b"<OUT>/"), (root, b"<ROOT>/"), (shared, b"<SHARED>/")):
        data = data.replace(str(path).encode() + b"/", token)
    data = FONT_CACHE.sub(b"", data)
    if b"<svg" in data:
        data = SVG_DATE.sub(b"<dc:date>DATE</dc:date>", data)
        defined = set(SVG_ID_DEF.findall(data))
        ids: dict[bytes, bytes] = {}

        def renumber(m: re.Match[bytes]) -> bytes:
            old = m.group(0)
            if old not in defined:
                return old
            return ids.setdefault(old, old[:-10] + b"-id%d" % len(ids))

        data = SVG_ID_USE.sub(renumber, data)
    return data


# --------------------------------------------------------------------------- capture


@dataclass
class Result:
    stem: str
    rc: str
    seconds: float


@dataclass(frozen=True)
class Run:
    """What every invocation of one capture shares."""

    reach: tuple[str, ...]  # command prefix
    out: Path
    root: Path
    shared: Path
    env: dict[str, str]


def run_env(hash_seed: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"COLUMNS": "100", "LINES": "50", "NO_COLOR": "1", "TERM": "dumb"})
    env.pop("FORCE_COLOR", None)
    if hash_seed == "random":
        env.pop("PYTHONHASHSEED", None)
    else:
        env["PYTHONHASHSEED"] = hash_seed
    return env


def run_one(stem: str, inv: Inv, run: Run) -> Result:
    prefix = str(run.out / stem)
    args = [a.replace(OUT_TOKEN, prefix) for a in inv.args]
    for a in args:
        if a.startswith(prefix + ".") and a.rsplit(".", 1)[-1] in RESERVED_SUFFIXES:
            raise SystemExit(f"{inv.name}: output extension clashes with .out/.err/.rc")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [*run.reach, *args],
            cwd=run.root,
            input=inv.stdin if inv.stdin is not None else None,
            stdin=subprocess.DEVNULL if inv.stdin is None else None,
            capture_output=True,
            env=run.env,
            timeout=TIMEOUT,
        )
        stdout, stderr, rc = proc.stdout, proc.stderr, str(proc.returncode)
    except subprocess.TimeoutExpired as e:
        stdout, stderr, rc = e.stdout or b"", e.stderr or b"", "timeout"
    seconds = time.perf_counter() - t0

    def norm(data: bytes) -> bytes:
        return normalise(data, run.out, run.root, run.shared)

    (run.out / f"{stem}.out").write_bytes(norm(stdout))
    (run.out / f"{stem}.err").write_bytes(norm(stderr))
    (run.out / f"{stem}.rc").write_text(rc + "\n", encoding="utf-8")
    for f in run.out.glob(f"{glob_escape(stem)}.*"):
        if f.suffix.lstrip(".") not in RESERVED_SUFFIXES:
            f.write_bytes(norm(f.read_bytes()))
    return Result(stem, rc, seconds)


def glob_escape(s: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", s)


def prepare_outdir(out: Path, force: bool) -> None:
    if out.exists():
        existing = [f for f in out.iterdir()]
        ours = [f for f in existing if re.match(r"\d{3}-", f.name) or f.name == INPUTS_FILE]
        if existing and not force:
            raise SystemExit(f"{out} is not empty; pass --force to replace an earlier capture")
        if len(ours) != len(existing):
            raise SystemExit(f"{out} holds files that are not from a capture; not touching it")
        for f in ours:
            f.unlink()
    out.mkdir(parents=True, exist_ok=True)


def capture(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    shared = Path(args.shared).resolve()
    out = Path(args.outdir).resolve()
    run = Run(tuple(shlex.split(args.reach)), out, root, shared, run_env(args.hash_seed))
    with_3k = not args.no_3k
    t0 = time.perf_counter()
    if with_3k:
        ensure_3k(root, shared, args.python)
    invs = all_invocations(root, shared, with_3k)
    if len(invs) > 999:
        raise SystemExit("more than 999 invocations: widen the NNN prefix")
    prepare_outdir(out, args.force)
    write_input_hashes(out, root, shared, with_3k)
    stems = {inv.name: f"{i:03d}-{inv.name}" for i, inv in enumerate(invs, 1)}
    order = sorted(invs, key=lambda i: not i.heavy)  # heavy ones first, stable otherwise
    results: list[Result] = []
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(run_one, stems[i.name], i, run) for i in order]
            for fut in concurrent.futures.as_completed(futures):
                results.append(fut.result())
    except FileNotFoundError as e:
        print(f"cannot run {args.reach!r}: {e}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - t0
    results.sort(key=lambda r: r.stem)
    codes: dict[str, int] = {}
    for r in results:
        codes[r.rc] = codes.get(r.rc, 0) + 1
    slow = sorted(results, key=lambda r: -r.seconds)[:5]
    n_files = sum(1 for _ in out.iterdir())
    print(f"{len(results)} invocations, {n_files} files in {out}, {elapsed:.1f} s")
    print("exit codes: " + ", ".join(f"{c}: {n}" for c, n in sorted(codes.items())))
    print("slowest: " + ", ".join(f"{r.stem} {r.seconds:.1f}s" for r in slow))
    if "timeout" in codes:
        print("some invocations timed out; their outputs are partial", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- compare


def files_of(d: Path) -> set[str]:
    return {str(f.relative_to(d)) for f in d.rglob("*") if f.is_file()}


def short_diff(a: bytes, b: bytes, name: str, context: int, max_lines: int) -> list[str]:
    """A unified diff of the first differences only (fast on files of millions of lines)."""
    if any(b"\0" in d[:8192] or d.startswith(b"\x89PNG") for d in (a, b)):
        return [f"  binary files differ ({len(a)} vs {len(b)} bytes)"]
    la = a.decode("utf-8", "replace").splitlines(keepends=True)
    lb = b.decode("utf-8", "replace").splitlines(keepends=True)
    start = 0
    while start < min(len(la), len(lb)) and la[start] == lb[start]:
        start += 1
    lo = max(0, start - context)
    window = 400  # lines after the first difference given to difflib
    wa, wb = la[lo : start + window], lb[lo : start + window]
    diff = difflib.unified_diff(wa, wb, f"A/{name}", f"B/{name}", n=context)
    raw = [
        shift_hunk(line, lo).rstrip("\n") if line.startswith("@@") else line.rstrip("\n")
        for line in itertools.islice(diff, max_lines)
    ]
    cols = [0] * len(raw)  # for paired long '-'/'+' lines: where they first differ
    i = 0
    while i < len(raw):
        j = i
        while j < len(raw) and raw[j].startswith("-") and not raw[j].startswith("---"):
            j += 1
        k = j
        while k < len(raw) and raw[k].startswith("+") and not raw[k].startswith("+++"):
            k += 1
        for m, n in zip(range(i, j), range(j, k), strict=False):
            cols[m] = cols[n] = first_difference(raw[m][1:], raw[n][1:])
        i = max(k, i + 1)
    lines = ["  " + clip(line, col) for line, col in zip(raw, cols, strict=True)]
    if len(raw) == max_lines:
        lines.append("  ...")
    if len(la) != len(lb):
        lines.append(f"  ({len(la)} vs {len(lb)} lines)")
    return lines


def first_difference(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def clip(line: str, col: int, width: int = 200) -> str:
    """Shorten a long diff line, keeping the part around column col (where it differs)."""
    if len(line) <= width:
        return line
    if col < width - 60:
        return line[:width] + " ..."
    return f"{line[0]}[col {col}] ...{line[col - 60 : col + width - 60]} ..."


def shift_hunk(line: str, offset: int) -> str:
    def fix(m: re.Match[str]) -> str:
        return f"{m.group(1)}{int(m.group(2)) + offset}"

    return re.sub(r"([-+])(\d+)", fix, line, count=2)


def compare(args: argparse.Namespace) -> int:
    a, b = Path(args.dir_a), Path(args.dir_b)
    for d in (a, b):
        if not d.is_dir():
            print(f"{d}: not a directory", file=sys.stderr)
            return 2
    fa, fb = files_of(a), files_of(b)
    names = sorted(fa | fb)
    differ = 0
    shown = 0
    for name in names:
        if name not in fa or name not in fb:
            differ += 1
            if shown < args.max_files:
                print(f"{name}: only in {b if name in fb else a}")
                shown += 1
            continue
        da, db = (a / name).read_bytes(), (b / name).read_bytes()
        if da == db:
            continue
        differ += 1
        if shown < args.max_files:
            print(f"{name}: differs")
            print("\n".join(short_diff(da, db, name, args.context, args.max_lines)))
            shown += 1
    if differ > shown:
        print(f"... and {differ - shown} more differing files")
    print(f"{len(names)} outputs compared, {differ} differ")
    return 1 if differ else 0


# --------------------------------------------------------------------------- main


def list_invocations(args: argparse.Namespace) -> int:
    root, shared = Path(args.root).resolve(), Path(args.shared).resolve()
    with_3k = not args.no_3k and (root / CACHE_3K).exists()
    for i, inv in enumerate(all_invocations(root, shared, with_3k), 1):
        stdin = "  < stdin" if inv.stdin is not None else ""
        print(f"{i:03d}-{inv.name}: reach {shlex.join(inv.args)}{stdin}")
    if not with_3k:
        print(f"(3k invocations not listed: {CACHE_3K} missing or --no-3k)")
    return 0


def parse(argv: Iterable[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--root", default=str(ROOT), help="repository root: working directory")
        p.add_argument("--shared", default=str(SHARED), help="shared data (conformance, bench)")
        p.add_argument("--no-3k", action="store_true", help="skip the generated 3k-pod cluster")

    c = sub.add_parser("capture", help="run the invocations, write OUTDIR")
    c.add_argument("outdir")
    c.add_argument("--reach", default="reach", help="command prefix (default: reach on PATH)")
    c.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    c.add_argument("--force", action="store_true", help="replace an earlier capture in OUTDIR")
    c.add_argument("--python", default=sys.executable, help="Python (with PyYAML) for gen_cluster")
    c.add_argument(
        "--hash-seed",
        default="0",
        help="PYTHONHASHSEED for every run (default 0); 'random' leaves Python's random seed",
    )
    common(c)
    m = sub.add_parser("compare", help="compare two captures")
    m.add_argument("dir_a")
    m.add_argument("dir_b")
    m.add_argument("--max-files", type=int, default=20, help="show at most this many differences")
    m.add_argument("--max-lines", type=int, default=30, help="diff lines shown per file")
    m.add_argument("--context", type=int, default=2, help="context lines in the diffs")
    ls = sub.add_parser("list", help="print the invocations")
    common(ls)
    return ap.parse_args(list(argv) if argv is not None else None)


def main(argv: Iterable[str] | None = None) -> int:
    args = parse(argv)
    if args.cmd == "capture":
        return capture(args)
    if args.cmd == "compare":
        return compare(args)
    return list_invocations(args)


if __name__ == "__main__":
    sys.exit(main())
