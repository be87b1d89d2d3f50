#!/usr/bin/env python3
"""Live mode on a generated 10,000-pod cluster served by the test API server.

Times the live read (``LiveSource``, raw JSON pages) and the analysis
(``Reach(build_cluster(...)).summary()``), reports the read's share, and
compares reading pods as raw JSON (``_preload_content=False`` + ``json.loads``)
with the client's model objects (``list_pod_for_all_namespaces`` with
preload). Medians of 3 runs after one warm-up.

The server runs in a child process (so that it does not share the GIL with
the client) and keeps each page's JSON once made, so the numbers are the
client's. Run: ``.venv/bin/python bench/bench_live.py``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REACH_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT))  # a script: the test API server lives in the tests package

import reach  # noqa: E402
from reach.errors import Diagnostics  # noqa: E402
from reach.input.live import LiveOptions, LiveSource  # noqa: E402
from reach.input.loader import build_cluster  # noqa: E402
from reach.input.snapshot import write_snapshot  # noqa: E402
from tests.k8s_server import KubeAPIServer, generated_objects  # noqa: E402


def serve(conn: Connection, gen: dict[str, Any]) -> None:
    """Child process: generate the cluster, serve it, send the URL, wait for 'stop'."""
    objects = generated_objects(SHARED / "bench" / "gen_cluster.py", **gen)
    srv = KubeAPIServer(objects).start()
    srv.cache_pages = True
    conn.send((srv.url, srv.token, len(objects)))
    conn.recv()
    srv.stop()


def median_of(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    times: list[float] = []
    result: Any = None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--namespaces", type=int, default=120)
    ap.add_argument("--pods", type=int, default=10000)
    ap.add_argument("--policies", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--page-limit", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    gen = {"namespaces": a.namespaces, "pods": a.pods, "policies": a.policies, "seed": a.seed}

    parent, child = mp.Pipe()
    proc = mp.Process(target=serve, args=(child, gen), daemon=True)
    proc.start()
    url, token, n_objects = parent.recv()
    try:
        with tempfile.TemporaryDirectory() as d:
            kc = KubeAPIServer(token=token).kubeconfig(Path(d) / "kubeconfig", server=url)
            opts = LiveOptions(kubeconfig=str(kc), page_limit=a.page_limit, progress=False)
            run(a, opts, n_objects)
    finally:
        parent.send("stop")
        proc.join(5)


def run(a: argparse.Namespace, opts: LiveOptions, n_objects: int) -> None:
    from kubernetes import client as k8s
    from kubernetes import config as _k8s_config

    k8s_config: Any = _k8s_config  # untyped

    print(
        f"cluster: gen_cluster.py --namespaces {a.namespaces} --pods {a.pods} "
        f"--policies {a.policies} --seed {a.seed} ({n_objects} objects), "
        f"page limit {a.page_limit}, median of {a.runs} runs"
    )
    t = time.perf_counter()
    LiveSource(opts).read(Diagnostics())
    print(f"cold first read (client imports included): {time.perf_counter() - t:.3f} s")

    def live_read() -> tuple[list[Any], Diagnostics, LiveSource]:
        diag = Diagnostics()
        src = LiveSource(opts)
        return src.read(diag), diag, src

    t_read, (raws, diag, src) = median_of(a.runs, live_read)
    t_analysis, summary = median_of(
        a.runs, lambda: reach.Reach(build_cluster(raws, Diagnostics())).summary()
    )
    total = t_read + t_analysis
    print(f"objects read: {src.info['counts']}")
    print(f"live read:         {t_read:7.3f} s")
    print(
        f"analysis:          {t_analysis:7.3f} s  ({summary.pods} pods, {summary.classes} classes)"
    )
    print(f"read + analysis:   {total:7.3f} s  -> read share {100 * t_read / total:.0f}%")

    with tempfile.TemporaryDirectory() as d:
        snap = Path(d) / "cluster.yaml"

        def write() -> None:
            with snap.open("w") as out:
                write_snapshot(raws, out, src.info)

        t_write, _ = median_of(a.runs, write)
        t_load, loaded = median_of(a.runs, lambda: reach.load([str(snap)]).summary())
        assert loaded == summary, "snapshot analysis differs from the live one"
        size = snap.stat().st_size
    print(f"snapshot write:    {t_write:7.3f} s  ({size / 1e6:.1f} MB)")
    print(f"snapshot load + analysis: {t_load:.3f} s (same summary as live)")

    cfg = k8s.Configuration()
    k8s_config.load_kube_config(
        config_file=opts.kubeconfig, client_configuration=cfg, persist_config=False
    )
    api: Any = k8s.CoreV1Api(k8s.ApiClient(cfg))

    def count_pods(page: Callable[[dict[str, Any]], tuple[int, str | None]]) -> int:
        """Pods listed page by page; ``page(kw)`` lists one: (its pods, the continue token)."""
        n, token = 0, None
        while True:
            kw: dict[str, Any] = {"limit": a.page_limit}
            if token:
                kw["_continue"] = token
            pods, token = page(kw)
            n += pods
            if not token:
                return n

    def raw_page(kw: dict[str, Any]) -> tuple[int, str | None]:
        doc = json.loads(api.list_pod_for_all_namespaces(_preload_content=False, **kw).data)
        return len(doc["items"]), doc["metadata"].get("continue")

    def model_page(kw: dict[str, Any]) -> tuple[int, str | None]:
        page = api.list_pod_for_all_namespaces(**kw)
        return len(page.items), page.metadata._continue

    count_pods(model_page)  # warm-up: model classes are imported lazily
    t_raw, n_raw = median_of(a.runs, lambda: count_pods(raw_page))
    t_models, n_models = median_of(a.runs, lambda: count_pods(model_page))
    assert n_raw == n_models, (n_raw, n_models)
    print(f"pods as raw JSON:  {t_raw:7.3f} s  ({n_raw} pods)")
    print(f"pods as models:    {t_models:7.3f} s  -> models / raw JSON = {t_models / t_raw:.1f}x")


if __name__ == "__main__":
    main()
