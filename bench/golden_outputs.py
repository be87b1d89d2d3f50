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
from collections.abc import Iterable, Mapping
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
    if len(workloads) < 8 or len(namespaces) < 6:
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

#: A namespace, two pods and a policy that are fine, and a policy with two errors (for stdin).
BAD_OBJECTS = (Path(__file__).parent / "golden-bad-objects.yaml").read_bytes()

COMMANDS = (
    "list", "summary", "path", "blast-radius", "exposure",
    "explain", "audit", "diff", "export", "snapshot",
)  # fmt: skip
BYS = ("pod", "workload", "namespace")


def table(
    text: str, *, heavy: bool = False, stdin: Mapping[str, bytes] | None = None, **values: str
) -> list[Inv]:
    """Invocations written one a line: a name, then the arguments after the command.

    An indented line continues the one above. The line is split on white space; then
    ``{key}`` in the name or an argument is replaced by ``values[key]``, so a value with
    spaces (a path) stays one argument, and ``{out}`` stays for :func:`run_one`. A line
    ending in ``< KEY`` feeds ``stdin[KEY]``.
    """
    lines: list[str] = []
    for line in text.splitlines():
        if line[:1].isspace() and lines:
            lines[-1] += line
        else:
            lines.append(line)
    out: list[Inv] = []
    for line in lines:
        words = line.split()
        feed = None
        if words[-2:-1] == ["<"]:
            feed = (stdin or {})[words[-1]]
            words = words[:-2]
        if words:
            name, *args = (word.format(out=OUT_TOKEN, **values) for word in words)
            out.append(Inv(name, tuple(args), feed, heavy))
    return out


#: {s} the shop, {t} its typo'd twin, {x} the shop's expectations; "< shop": the shop on stdin
SHOP_QUERIES = """
shop-list-default                     list -f {s}
shop-list-ipv6-txt                    list -f {s} --ipv6
shop-list-noipv6-json                 list -f {s} --no-ipv6 --format json
typo-list-txt                         list -f {t}
typo-list-json-pod                    list -f {t} --format json --by pod
shop-list-o-txt                       list -f {s} -o {out}.txt
shop-list-o-json                      list -f {s} --format json -o {out}.json
shop-list-stdin                       list -f - < shop
shop-list-multi-f                     list -f {s}/policies.yaml -f {s}/workloads.yaml -f {s}
shop-summary-txt                      summary -f {s}
shop-summary-json                     summary -f {s} --format json
typo-summary-txt                      summary -f {t}
typo-summary-json                     summary -f {t} --format json
shop-path-frontend-postgres           path -f {s} web/frontend db/postgres
shop-path-frontend-postgres-json      path -f {s} web/frontend db/postgres --format json
shop-path-frontend-postgres-all       path -f {s} web/frontend db/postgres --all
shop-path-frontend-postgres-all-json  path -f {s} web/frontend db/postgres --all --format json
shop-path-frontend-postgres-maxhops2  path -f {s} web/frontend db/postgres --max-hops 2
shop-path-gw-payments-8080-all        path -f {s} web/api-gateway app/payments --port 8080/TCP --all
shop-path-gw-payments-50051           path -f {s} web/api-gateway app/payments --port 50051/TCP
shop-path-gw-payments-50051-json      path -f {s} web/api-gateway app/payments --port 50051/TCP
                                        --format json
shop-path-postgres-frontend           path -f {s} db/postgres web/frontend
shop-path-postgres-frontend-json      path -f {s} db/postgres web/frontend --format json
shop-path-orders-postgres-5432        path -f {s} app/orders db/postgres --port 5432/TCP
shop-path-orders-postgres-udp         path -f {s} app/orders db/postgres --port 5432/UDP
shop-path-orders-postgres-range       path -f {s} app/orders db/postgres --port 5000-6000
shop-path-kinds                       path -f {s} deployment/frontend statefulset/postgres
shop-path-bare-name                   path -f {s} frontend postgres
shop-path-by-pod                      path -f {s} pod/web/frontend-0 pod/db/postgres --by pod
shop-path-by-pod-all-json             path -f {s} pod/web/frontend-0 pod/db/postgres --by pod --all
shop-path-by-namespace                path -f {s} namespace/web namespace/db --by namespace
shop-path-label-ip                    path -f {s} app=payments 203.0.113.5 -n app
shop-path-label-ip-json               path -f {s} app=payments 203.0.113.5 -n app --format json
shop-path-label-ns                    path -f {s} tier=backend db/postgres -n app
shop-path-internet-gw                 path -f {s} 8.8.8.8 web/api-gateway
shop-path-cidr-gw-json                path -f {s} 198.51.100.0/24 web/api-gateway --format json
shop-path-listed-id                   path -f {s} web/frontend[Deployment] db/postgres[StatefulSet]
shop-path-svg                         path -f {s} web/frontend db/postgres --png {out}.svg
typo-path-orders-postgres             path -f {t} app/orders db/postgres
typo-path-orders-postgres-json        path -f {t} app/orders db/postgres --format json
shop-blast-gw                         blast-radius -f {s} web/api-gateway
shop-blast-gw-json                    blast-radius -f {s} web/api-gateway --format json
shop-blast-gw-by-namespace            blast-radius -f {s} web/api-gateway --by namespace
shop-blast-gw-by-pod-json             blast-radius -f {s} web/api-gateway --by pod --format json
shop-blast-frontend-pod-hops2-port    blast-radius -f {s} pod/web/frontend-0 --hops 2
                                        --port 5432/TCP
shop-blast-orders-hops1               blast-radius -f {s} app/orders --hops 1
shop-blast-postgres                   blast-radius -f {s} db/postgres
shop-blast-cidr                       blast-radius -f {s} 10.0.0.0/8
shop-blast-prometheus-json            blast-radius -f {s} monitoring/prometheus --format json
shop-blast-svg                        blast-radius -f {s} app/orders --png {out}.svg
typo-blast-orders                     blast-radius -f {t} app/orders
shop-exposure-postgres                exposure -f {s} db/postgres
shop-exposure-postgres-json           exposure -f {s} db/postgres --format json
shop-exposure-postgres-hops1-json     exposure -f {s} db/postgres --hops 1 --format json
shop-exposure-postgres-by-pod         exposure -f {s} db/postgres --by pod
shop-exposure-db-by-namespace         exposure -f {s} namespace/db --by namespace
shop-exposure-gw                      exposure -f {s} web/api-gateway
shop-exposure-gw-json                 exposure -f {s} web/api-gateway --format json
shop-exposure-gw-8443                 exposure -f {s} web/api-gateway --port 8443/TCP
shop-exposure-payments-label          exposure -f {s} app=payments -n app
shop-exposure-svg                     exposure -f {s} db/postgres --png {out}.svg
typo-exposure-postgres                exposure -f {t} db/postgres
shop-explain-orders-postgres          explain -f {s} app/orders db/postgres
shop-explain-orders-postgres-json     explain -f {s} app/orders db/postgres --format json
shop-explain-frontend-postgres        explain -f {s} web/frontend db/postgres
shop-explain-frontend-postgres-json   explain -f {s} web/frontend db/postgres --format json
shop-explain-payments-ip              explain -f {s} app/payments 203.0.113.10
shop-explain-internet-gw-json         explain -f {s} 1.2.3.4 web/api-gateway --format json
shop-explain-pod-gw                   explain -f {s} pod/web/frontend-0 web/api-gateway
shop-explain-label-ns                 explain -f {s} tier=backend db/redis -n app
typo-explain-orders-postgres          explain -f {t} app/orders db/postgres
typo-explain-orders-postgres-json     explain -f {t} app/orders db/postgres --format json
"""

SHOP_AUDIT_EACH_FORMAT = """
shop-audit-{fmt}         audit -f {s} --format {fmt}
shop-audit-expect-{fmt}  audit -f {s} --expect {x} --format {fmt}
typo-audit-{fmt}         audit -f {t} --format {fmt}
typo-audit-expect-{fmt}  audit -f {t} --expect {x} --format {fmt}
"""

SHOP_AUDIT = """
shop-audit-fail-on-low          audit -f {s} --fail-on low
shop-audit-fail-on-medium       audit -f {s} --expect {x} --fail-on medium
typo-audit-expect-fail-on-high  audit -f {t} --expect {x} --fail-on high
shop-audit-skip                 audit -f {s} --skip namespace-default-deny-egress
shop-audit-skip-two-json        audit -f {s} --skip pod-egress-unisolated
                                  --skip pod-ingress-unisolated --format json
typo-audit-no-checks            audit -f {t} --expect {x} --no-checks
typo-audit-no-checks-json       audit -f {t} --expect {x} --no-checks --format json
audit-list-checks               audit --list-checks
typo-audit-o-junit              audit -f {t} --expect {x} --format junit -o {out}.xml
typo-audit-o-md                 audit -f {t} --format md -o {out}.md
"""

SHOP_DIFF = """
diff-typo-shop-txt        diff {t} {s}
diff-typo-shop-json       diff {t} {s} --format json
diff-shop-shop-txt        diff {s} {s}
diff-shop-shop-exit-code  diff {s} {s} --exit-code
diff-shop-typo-exit-code  diff {s} {t} --exit-code
diff-shop-file-vs-dir     diff {s}/policies.yaml {s}
diff-shop-typo-o-md       diff {s} {t} --format md -o {out}.md
diff-shop-typo-o-csv      diff {s} {t} --format csv -o {out}.csv
"""

SHOP_EXPORT = """
shop-export-default              export -f {s}
typo-export-dot                  export -f {t} --format dot
shop-export-json-no-policies     export -f {s} --format json --no-policies
shop-export-graphml-no-policies  export -f {s} --format graphml --no-policies
shop-export-dot-ns-filter        export -f {s} --format dot -n app -n db
shop-export-json-ns-filter       export -f {s} --format json -n web
shop-export-dot-focus            export -f {s} --focus web/api-gateway --hops 1
shop-export-json-focus-hops2     export -f {s} --focus web/api-gateway --hops 2 --format json
shop-export-graphml-focus        export -f {s} --focus pod/db/postgres --by pod --format graphml
shop-export-matrix-json          export -f {s} --view matrix --format json
shop-export-matrix-json-count    export -f {s} --view matrix --value count --format json
shop-export-matrix-svg           export -f {s} --view matrix --format svg
shop-export-o-dot                export -f {s} -o {out}.dot
shop-export-o-json               export -f {s} -o {out}.json
shop-export-o-graphml            export -f {s} -o {out}.graphml
shop-export-o-svg                export -f {s} -o {out}.svg
shop-export-o-png                export -f {s} -o {out}.png
shop-export-o-matrix-svg         export -f {s} --view matrix -o {out}.svg
shop-export-o-format-wins        export -f {s} --format dot -o {out}.txt
"""

#: Bad references, missing files, bad options, bad input: messages and exit codes.
ERRORS = """
err-path-bad-node                   path -f {s} web/nosuch db/postgres
err-path-bad-node-close             path -f {s} web/fronted db/postgres
err-blast-bad-kind                  blast-radius -f {s} cronjob/frontend
err-explain-label-nomatch           explain -f {s} app=nomatch db/postgres
err-exposure-bad-namespace          exposure -f {s} namespace/nosuch --by namespace
err-path-missing-arg                path -f {s} web/frontend
err-path-bad-port                   path -f {s} web/frontend db/postgres --port 99999/TCP
err-path-bad-port-syntax            path -f {s} web/frontend db/postgres --port http
err-path-bad-max-hops               path -f {s} web/frontend db/postgres --max-hops 0
err-list-missing-file               list -f examples/nosuch
err-list-missing-file-skip-invalid  list -f examples/nosuch -f {s} --skip-invalid
err-list-bad-format                 list -f {s} --format xml
err-list-bad-by                     list -f {s} --by cluster
err-list-no-input                   list
err-list-unknown-option             list -f {s} --bogus
err-summary-bad-format              summary -f {s} --format csv
err-list-bad-yaml-stdin             list -f - < bad_yaml
err-list-bad-objects                list -f - < bad_objects
err-list-bad-objects-skip-invalid   list -f - --skip-invalid < bad_objects
err-list-empty-stdin                list -f - < empty
err-audit-missing-expect            audit -f {s} --expect examples/nosuch.yaml
err-audit-bad-expect                audit -f {s} --expect {s}/policies.yaml
err-audit-bad-fail-on               audit -f {s} --fail-on bogus
err-audit-bad-skip                  audit -f {s} --skip no-such-check
err-audit-bad-format                audit -f {s} --format csv
err-audit-expect-no-input           audit --expect {x}
err-diff-missing-new                diff {s} examples/nosuch
err-diff-missing-old                diff examples/nosuch {s}
err-diff-bad-format                 diff {s} {s} --format junit
err-export-bad-format               export -f {s} --format bogus
err-export-matrix-dot               export -f {s} --view matrix --format dot
err-export-bad-focus                export -f {s} --focus web/nosuch
err-export-bad-view                 export -f {s} --view tree
err-file-and-context                path -f {s} web/frontend db/postgres --context x
err-snapshot-files                  snapshot -f {s}
err-unknown-command                 bogus
err-no-command
"""

#: Every conformance input ({d}, tagged {tag}).
CONFORMANCE_EACH = """
conf-{tag}-list-txt            list -f {d}
conf-{tag}-list-json           list -f {d} --format json
conf-{tag}-list-csv-pod        list -f {d} --format csv --by pod
conf-{tag}-list-md-namespace   list -f {d} --format md --by namespace
conf-{tag}-summary-json        summary -f {d} --format json
conf-{tag}-audit-txt           audit -f {d}
conf-{tag}-audit-json          audit -f {d} --format json
conf-{tag}-export-dot          export -f {d} --format dot
conf-{tag}-export-json         export -f {d} --format json
"""

#: Queries on the conformance inputs: {ob} NetworkPolicy, {anp} ANP/BANP, {v6} ANP with IPv6,
#: {ing} Ingress/Route.
CONFORMANCE = """
conf-v6-list-txt-ipv6        list -f {v6} --ipv6
conf-v6-list-json-no-ipv6    list -f {v6} --format json --no-ipv6
conf-v6-exposure-json        exposure -f {v6} ns1/pod1 --format json
conf-v6-explain-ip6          explain -f {v6} ns1/pod1 2001:db8::1
conf-ob-path                 path -f {ob} default/frontend default/cartservice
conf-ob-path-none            path -f {ob} default/cartservice default/frontend --all
conf-ob-path-json            path -f {ob} default/loadgenerator default/paymentservice --all
                               --format json
conf-ob-blast                blast-radius -f {ob} default/frontend
conf-ob-blast-json           blast-radius -f {ob} default/frontend --format json
conf-ob-exposure             exposure -f {ob} default/redis-cart
conf-ob-exposure-json        exposure -f {ob} default/paymentservice --format json
conf-ob-explain              explain -f {ob} default/frontend default/redis-cart
conf-ob-explain-json         explain -f {ob} default/checkoutservice default/emailservice
                               --format json
conf-anp-explain             explain -f {anp} foo/myfoo bar/mybar
conf-anp-explain-json        explain -f {anp} bar/mybar baz/mybaz --format json
conf-anp-explain-monitoring  explain -f {anp} monitoring/mymonitoring foo/myfoo
conf-anp-path                path -f {anp} foo/myfoo bar/mybar --all
conf-anp-blast-json          blast-radius -f {anp} foo/myfoo --format json
conf-anp-exposure            exposure -f {anp} monitoring/mymonitoring
conf-ing-path                path -f {ing} frontend/webapp backend/catalog
conf-ing-path-json           path -f {ing} frontend/webapp payments/visa-processor --all
                               --format json
conf-ing-exposure            exposure -f {ing} backend/catalog
conf-ing-blast               blast-radius -f {ing} frontend/webapp
conf-ing-explain             explain -f {ing} backend/checkout payments/gateway
diff-conf-anp-v6             diff {anp} {v6}
diff-conf-anp-v6-json-ns     diff {anp} {v6} --format json --by namespace
"""

#: The 3k cluster {g} (and {ge}, its edited copy); node references from :class:`Cluster3k`,
#: ns3, ns4, ns5 its fourth to sixth namespaces.
BIG = """
3k-summary-txt               summary -f {g}
3k-summary-json              summary -f {g} --format json
3k-list-txt                  list -f {g}
3k-list-json                 list -f {g} --format json
3k-list-csv                  list -f {g} --format csv
3k-list-txt-namespace        list -f {g} --by namespace
3k-list-json-namespace       list -f {g} --format json --by namespace
3k-list-md-namespace         list -f {g} --format md --by namespace
3k-path-src-reach1           path -f {g} {src} {reach1}
3k-path-src-reach1-all       path -f {g} {src} {reach1} --all
3k-path-src-reach1-json      path -f {g} {src} {reach1} --all --format json
3k-path-src-reach2-port      path -f {g} {src} {reach2} --port 8080/TCP
3k-path-src-unreach          path -f {g} {src} {unreach}
3k-path-last-src-json        path -f {g} {last} {src} --format json
3k-path-ingress-reach1       path -f {g} {ingress} {reach1} --all
3k-path-pods                 path -f {g} {src_pod} {reach1_pod} --by pod
3k-path-namespaces           path -f {g} namespace/{ns3} namespace/{reach1_ns} --by namespace --all
3k-path-src-internet         path -f {g} {src} 8.8.8.8
3k-blast-src                 blast-radius -f {g} {src}
3k-blast-src-json            blast-radius -f {g} {src} --format json
3k-blast-src-hops2-port      blast-radius -f {g} {src} --hops 2 --port 8080/TCP
3k-blast-pod-hops1-json      blast-radius -f {g} {src_pod} --by pod --hops 1 --format json
3k-blast-ingress-namespace   blast-radius -f {g} {ingress} --by namespace
3k-exposure-reach1           exposure -f {g} {reach1}
3k-exposure-reach1-json      exposure -f {g} {reach1} --format json
3k-exposure-unreach          exposure -f {g} {unreach}
3k-exposure-ns-namespace     exposure -f {g} namespace/{reach1_ns} --by namespace
3k-explain-src-reach1        explain -f {g} {src} {reach1}
3k-explain-src-unreach-json  explain -f {g} {src} {unreach} --format json
3k-explain-ingress-last      explain -f {g} {ingress} {last}
3k-audit-txt                 audit -f {g}
3k-audit-json                audit -f {g} --format json
3k-audit-md                  audit -f {g} --format md
3k-audit-junit               audit -f {g} --format junit
3k-diff-edit-txt             diff {g} {ge}
3k-diff-edit-json            diff {g} {ge} --format json
3k-diff-edit-csv             diff {g} {ge} --format csv
3k-diff-edit-md-namespace    diff {g} {ge} --format md --by namespace
3k-export-dot                export -f {g} --format dot
3k-export-json-namespace     export -f {g} --format json --by namespace --no-policies
3k-export-graphml-namespace  export -f {g} --format graphml --by namespace --no-policies
3k-export-json-ns-filter     export -f {g} --format json -n {ns3} -n {ns4} -n {ns5}
3k-export-graphml-focus      export -f {g} --format graphml --focus {unreach}
3k-export-json-focus         export -f {g} --format json --no-policies --focus {ingress}
3k-export-matrix-json        export -f {g} --view matrix --format json
"""


def shop_invocations(root: Path) -> list[Inv]:
    """Every subcommand on the example shop (and its typo'd twin)."""
    shop = {"s": "examples/shop", "t": "examples/shop-typo", "x": "examples/expectations/shop.yaml"}
    shop_cat = b"---\n".join(
        (root / shop["s"] / f).read_bytes()
        for f in ("namespaces.yaml", "workloads.yaml", "policies.yaml")
    )
    out = table("help --help") + [Inv(f"help-{c}", (c, "--help")) for c in COMMANDS]
    for fmt, by in itertools.product(("txt", "json", "csv", "md"), BYS):
        line = "shop-list-{fmt}-{by}  list -f {s} --format {fmt} --by {by}"
        out += table(line, fmt=fmt, by=by, **shop)
    out += table(SHOP_QUERIES, stdin={"shop": shop_cat}, **shop)
    for fmt in ("txt", "json", "md", "junit"):
        out += table(SHOP_AUDIT_EACH_FORMAT, fmt=fmt, **shop)
    out += table(SHOP_AUDIT, **shop)
    for fmt, by in itertools.product(("txt", "json", "md", "csv"), BYS):
        line = "diff-shop-typo-{fmt}-{by}  diff {s} {t} --format {fmt} --by {by}"
        out += table(line, fmt=fmt, by=by, **shop)
    out += table(SHOP_DIFF, **shop)
    for fmt, by in itertools.product(("dot", "json", "graphml", "svg"), BYS):
        line = "shop-export-{fmt}-{by}  export -f {s} --format {fmt} --by {by}"
        out += table(line, fmt=fmt, by=by, **shop)
    return out + table(SHOP_EXPORT, **shop)


def error_invocations() -> list[Inv]:
    """Bad references, missing files, bad options, bad input: messages and exit codes."""
    stdin = {"bad_yaml": BAD_YAML, "bad_objects": BAD_OBJECTS, "empty": b""}
    return table(ERRORS, stdin=stdin, s="examples/shop", x="examples/expectations/shop.yaml")


def conformance_invocations(shared: Path) -> list[Inv]:
    """Four conformance inputs: NetworkPolicy, ANP/BANP, ANP with IPv6, Ingress/Route."""
    c = shared / "conformance"
    dirs = {
        "ob": str(c / "netpol" / "onlineboutique_workloads" / "input"),
        "anp": str(c / "anp" / "anp_banp_blog_demo" / "input"),
        "v6": str(c / "anp" / "anp_and_banp_using_networks_with_ipv6_test" / "input"),
        "ing": str(c / "ingress" / "acs-security-demos" / "input"),
    }
    out: list[Inv] = []
    for tag, d in dirs.items():
        out += table(CONFORMANCE_EACH, tag=tag, d=d)
    return out + table(CONFORMANCE, **dirs)


def big_invocations(k: Cluster3k) -> list[Inv]:
    """The generated 3k-pod cluster: no pod-level listing (hundreds of thousands of lines)."""
    refs = {key: value for key, value in vars(k).items() if isinstance(value, str)}
    ns3, ns4, ns5 = k.first_namespaces[3:6]
    return table(
        BIG, heavy=True, g=str(CACHE_3K), ge=str(CACHE_3K_EDIT), ns3=ns3, ns4=ns4, ns5=ns5, **refs
    )


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
