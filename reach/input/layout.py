"""Which files a ``-f`` path names: globs, directories, and the sources that need rendering.

A directory is read recursively (``.yaml``, ``.yml``, ``.json``). Two kinds of directory
hold manifests that are not what a cluster receives until rendered:

- a Helm chart (``Chart.yaml``): its ``templates/`` are Go templates, not manifests.
  They are not read; the chart gets one ``unrendered-chart`` diagnostic naming
  ``--helm``;
- a kustomization (``kustomization.yaml``, ``kustomization.yml``, ``Kustomization``):
  its files are manifests, and they are read, but without its namespace, patches and
  components; the directory read gets one ``unrendered-kustomization`` diagnostic
  naming the kustomizations found and ``-k``.
"""

from __future__ import annotations

import glob
from pathlib import Path

from reach.errors import Diagnostics

SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_GLOB = frozenset("*?[")


def expand(path: str, diag: Diagnostics) -> list[str]:
    """The paths a ``-f`` value names: itself, or what its glob matches (sorted), as
    kubectl expands ``-f 'dir/*.yaml'``; an error when nothing is there."""
    if path == "-" or Path(path).exists() or not _GLOB & set(path):
        if path != "-" and not Path(path).exists():
            diag.error(path, "", "no such file or directory")
            return []
        return [path]
    found = sorted(glob.glob(path, recursive=True))
    if not found:
        diag.error(path, "", "no file matches this pattern")
    return found


def chart_of_template(path: Path) -> Path | None:
    """The chart whose ``templates/`` holds this file, if any."""
    for parent in path.parents:
        if parent.name == "templates" and (parent.parent / "Chart.yaml").is_file():
            return parent.parent
    return None


def directory_files(root: Path, diag: Diagnostics) -> list[str]:
    """The manifest files under ``root``, leaving out chart templates, and the diagnostics
    for charts and kustomizations found there."""
    files = sorted(f for f in root.rglob("*") if f.is_file())
    charts = sorted({f.parent for f in files if f.name == "Chart.yaml"})
    kustomized = sorted({f.parent for f in files if f.name in KUSTOMIZATION_FILES})
    skipped = {chart: 0 for chart in charts}
    out: list[str] = []
    for f in files:
        if f.suffix.lower() not in SUFFIXES:
            continue
        chart = chart_of_template(f)
        if chart is not None and chart in skipped:
            skipped[chart] += 1
            continue
        out.append(str(f))
    for chart, n in skipped.items():
        diag.add(
            "unrendered-chart",
            f"a Helm chart: its {n} template file{'s' if n != 1 else ''} "
            f"{'were' if n != 1 else 'was'} not read; render it with --helm {chart}",
            str(chart),
            partial=True,
        )
    if kustomized:
        diag.add("unrendered-kustomization", _kustomized(root, kustomized), str(root), partial=True)
    return out


def _kustomized(root: Path, found: list[Path]) -> str:
    """What to say of the kustomizations found under ``root``."""
    plain = "read as plain files: their namespace, patches and components are not applied"
    if root in found:
        inside = f" (with {len(found) - 1} more inside)" if len(found) > 1 else ""
        return f"a kustomization{inside}, {plain}; render it with -k {root}"
    names = ", ".join(str(k) for k in found[:5]) + (", ..." if len(found) > 5 else "")
    n = len(found)
    return (
        f"holds {n} kustomization{'s' if n != 1 else ''} ({names}), {plain}; render the one "
        f"you deploy with -k, such as -k {found[-1]}"
    )
