"""The namespace matrix: allowed pairs between the namespaces, counted and drawn as a heatmap.

Namespace x namespace, the share (or count) of allowed workload (or pod) pairs
from each source namespace to each destination namespace, plus a row and a
column for external addresses. It stays readable when the graph is far too large.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from reach.draw.style import new_figure, plain_text
from reach.draw.tips import tip
from reach.draw.titles import title_lines
from reach.words import count

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    from reach.analysis.views import View

#: An array of allowed-pair shares or counts, as drawn.
Values = np.ndarray[Any, np.dtype[np.float64]]

#: What ``--value`` accepts: the matrix shows the share of possible pairs allowed, or their count.
VALUE_CHOICES = ("share", "count")


@dataclass
class MatrixData:
    """Allowed pairs between the nodes (workloads or pods) of each pair of namespaces.

    ``counts[i, j]`` counts allowed (src, dst) node pairs from namespace ``i`` to
    ``j``; ``possible[i, j]`` the pairs there are. The last row and column are
    the external addresses when ``external``: ``counts[-1, j]`` counts the nodes
    of ``j`` some external address may reach, ``counts[i, -1]`` those of ``i``
    that may reach some external address.
    """

    namespaces: list[str]
    counts: np.ndarray[Any, np.dtype[np.int64]]
    possible: np.ndarray[Any, np.dtype[np.int64]]
    unit: str
    external: bool

    @property
    def labels(self) -> list[str]:
        return self.namespaces + (["(external)"] if self.external else [])

    def share(self) -> Values:
        with np.errstate(invalid="ignore", divide="ignore"):
            out: Values = np.where(
                self.possible > 0, self.counts / np.maximum(self.possible, 1), np.nan
            )
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "unit": self.unit,
            "namespaces": self.labels,
            "counts": self.counts.tolist(),
            "possible": self.possible.tolist(),
        }


def matrix_data(view: View, namespaces: Sequence[str] = ()) -> MatrixData:
    """Count allowed pairs per namespace pair over ``view`` (workload or pod granularity)."""
    n_int = view.n_internal
    names = sorted({n.namespace or "" for n in view.nodes[:n_int]})
    if namespaces:
        wanted = set(namespaces)
        names = [ns for ns in names if ns in wanted]
    index = {ns: i for i, ns in enumerate(names)}
    k = len(names)
    ns_of = np.array(
        [index.get(n.namespace or "", -1) for n in view.nodes[:n_int]], dtype=np.intp
    ).reshape(-1)
    sizes = np.bincount(ns_of[ns_of >= 0], minlength=k).astype(np.int64)
    counts = np.zeros((k + 1, k + 1), dtype=np.int64)
    reaches_out = np.zeros(n_int, dtype=bool)
    reached_in = np.zeros(n_int, dtype=bool)
    for src, dst, _ in view.edge_blocks(chunk=512):
        inner = (src < n_int) & (dst < n_int)
        a, b = ns_of[src[inner]], ns_of[dst[inner]]
        ok = (a >= 0) & (b >= 0)
        flat = np.bincount(a[ok] * (k + 1) + b[ok], minlength=(k + 1) * (k + 1))
        counts += flat.reshape(k + 1, k + 1)
        ranges = view.first_pseudo  # addresses (ranges, network sets): pseudo nodes have none
        reaches_out[src[(src < n_int) & (dst >= n_int) & (dst < ranges)]] = True
        reached_in[dst[(src >= n_int) & (src < ranges) & (dst < n_int)]] = True
    has_ext = view.first_pseudo > n_int
    mine = ns_of >= 0
    counts[k, :k] = np.bincount(ns_of[mine & reached_in], minlength=k)
    counts[:k, k] = np.bincount(ns_of[mine & reaches_out], minlength=k)
    possible = np.zeros((k + 1, k + 1), dtype=np.int64)
    possible[:k, :k] = np.outer(sizes, sizes) - np.diag(sizes)
    possible[k, :k] = sizes
    possible[:k, k] = sizes
    if not has_ext:
        counts, possible = counts[:k, :k], possible[:k, :k]
    unit = "pod" if view.by == "pod" else "workload"
    return MatrixData(names, counts, possible, unit, has_ext)


def draw_matrix(
    data: MatrixData,
    ax: Axes | None = None,
    source: str = "cluster",
    value: str = "share",
    note: str = "",
) -> Figure:
    """Namespace x namespace heatmap: the share (or count) of allowed pairs."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import LogNorm, Normalize

    if value not in VALUE_CHOICES:
        raise ValueError(f"value must be {' or '.join(VALUE_CHOICES)}, not {value!r}")
    labels = data.labels
    n = len(labels)
    if ax is None:
        side = min(22.0, max(6.5, 2.8 + n * 0.13 + max(map(len, labels), default=4) * 0.06))
        fig = new_figure(side + 1.6, side)
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    share = data.share()
    shown: Values = share * 100 if value == "share" else data.counts.astype(float)
    masked = np.ma.masked_where(~(data.counts > 0), shown)
    cmap = colormaps["viridis"].with_extremes(bad="#eceff1")
    if value == "share":
        norm: Normalize = Normalize(vmin=0, vmax=100)
    else:
        top = max(2, int(data.counts.max(initial=1)))
        norm = LogNorm(vmin=1, vmax=top)
    # coloured once here: a large matrix then costs no colour mapping when drawn
    rgba = cmap(norm(masked), bytes=True)
    ax.imshow(rgba, interpolation="nearest", aspect="equal")
    _axes(ax, labels, external=data.external)
    if n <= 16:
        _cell_texts(ax, data, shown, norm)
    bar = fig.colorbar(ScalarMappable(norm, cmap), ax=ax, shrink=0.6, pad=0.02)
    bar.set_label(
        f"% of {data.unit} pairs allowed" if value == "share" else f"allowed {data.unit} pairs",
        fontsize=9,
    )
    bar.ax.tick_params(labelsize=8)
    _title(fig, data, source, value, note)
    return plain_text(fig)


def _axes(ax: Axes, labels: list[str], *, external: bool) -> None:
    """Namespace names on both axes (destinations on top), a grid between small matrices,
    and lines that set the external row and column apart."""
    n = len(labels)
    font = max(3.2, min(9.0, 520 / max(n, 1)))
    step = 1 if n <= 160 else math.ceil(n / 160)
    ticks = list(range(0, n, step))
    # the external row counts what external addresses reach, its column what reaches them
    rows = [f"from {x}" if external and i == n - 1 else x for i, x in enumerate(labels)]
    cols = [f"to {x}" if external and i == n - 1 else x for i, x in enumerate(labels)]
    ax.set_xticks(ticks, [cols[i] for i in ticks], rotation=90, fontsize=font)
    ax.set_yticks(ticks, [rows[i] for i in ticks], fontsize=font)
    ax.tick_params(length=0)
    ax.set_xlabel("destination namespace", fontsize=9)
    ax.set_ylabel("source namespace", fontsize=9)
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    if n <= 40:
        ax.set_xticks(np.arange(-0.5, n, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, n, 1), minor=True)
        ax.grid(which="minor", color="white", linewidth=1.2)
        ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if external:
        ax.axhline(n - 1.5, color="#455a64", lw=1.0)
        ax.axvline(n - 1.5, color="#455a64", lw=1.0)


def _cell_texts(ax: Axes, data: MatrixData, shown: Values, norm: Normalize) -> None:
    """Each cell's ``allowed/possible`` and share, light on dark colours."""
    n = len(data.labels)
    for i in range(n):
        for j in range(n):
            if data.possible[i, j] == 0:
                continue
            c, p = int(data.counts[i, j]), int(data.possible[i, j])
            text = f"{c}/{p}" + (f"\n{100 * c / p:.0f}%" if c else "")
            dark = c > 0 and norm(float(shown[i, j])) < 0.6
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=7.5,
                color="white" if dark else "#263238",
            )


def _title(fig: Figure, data: MatrixData, source: str, value: str, note: str) -> None:
    """What the matrix shows: one title line naming the input and the view, one line
    saying what a cell holds, the note (why the matrix is drawn) on up to two lines."""
    n = len(data.labels)
    what = "share" if value == "share" else "number"
    size = 11.0 if n > 16 else 10.0
    view = f"namespace × namespace reachability ({count(len(data.namespaces), 'namespace')})"
    sub = f"{what} of allowed {data.unit} pairs, source (row) to destination (column); grey: none"
    width = float(fig.get_size_inches()[0]) * 0.95
    text, full = title_lines(source, view, sub, note, width_in=width, font=size)
    title = fig.suptitle(text, x=0.02, ha="left", fontsize=size, color="#263238")
    tip(fig, title, full)
