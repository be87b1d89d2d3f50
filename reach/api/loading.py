"""Building a :class:`~reach.api.facade.Reach`: from files, a live cluster, or Python
objects. Each partial diagnostic of the load is raised as a
:class:`~reach.errors.PartialAnswerWarning` when the Reach is built."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from os import PathLike
from typing import Any

from reach.api.facade import Reach
from reach.api.whatif import ObjectsOf
from reach.errors import Diagnostics, ReachError
from reach.gcpause import without_gc
from reach.input.files import FileSource, flatten
from reach.input.loader import build_cluster
from reach.input.options import LiveOptions
from reach.input.raw import RawObject
from reach.progress import Progress
from reach.words import count

#: Input files at least this large (bytes) show a progress bar when ``progress`` is None.
LARGE_INPUT = 4 << 20


@without_gc
def load(
    paths: str | PathLike[str] | Sequence[str | PathLike[str]],
    skip_invalid: bool = False,
    diag: Diagnostics | None = None,
    progress: bool | None = False,
    default_namespace: str | None = None,
) -> Reach:
    """Load manifests from files, directories (recursively), globs or ``-`` (stdin).

    ``progress``: show a bar on stderr (True), never (False), or when stderr is
    a terminal and the files are large (None, as the command line does).
    ``default_namespace``: the namespace of namespaced objects that name none, as
    ``kubectl apply -n`` gives it (default: ``default``).
    """
    if isinstance(paths, str | PathLike):
        paths = [paths]
    names = tuple(str(p) for p in paths)
    diag = diag or Diagnostics()
    bar = Progress(progress, sys.stderr, LARGE_INPUT, in_bytes=True)
    try:
        raws = FileSource(names, bar, default_namespace).objects(
            diag
        )  # streamed: parsed and built one by one
        cluster = build_cluster(raws, diag, skip_invalid)
        cluster.sources = list(names)
        pods, policies = len(cluster.pods), len(cluster.policies)
        what = (
            f"{count(pods, 'pod', thousands=True)} and {count(policies, 'policy', thousands=True)}"
        )
        bar.say(f"compiling {what}")
        return Reach(cluster, _read_again(names, default_namespace))
    finally:
        bar.close()


@without_gc
def load_live(
    options: LiveOptions | None = None, skip_invalid: bool = False, diag: Diagnostics | None = None
) -> Reach:
    """Read a live cluster through the kubernetes client (kubeconfig, context, in-cluster)."""
    from reach.input.live import LiveSource  # the kubernetes client is only needed here

    diag = diag or Diagnostics()
    raws = LiveSource(options).read(diag)
    return Reach(build_cluster(raws, diag, skip_invalid), lambda: raws)


@without_gc
def from_objects(
    objects: Iterable[Mapping[str, Any]], skip_invalid: bool = False, origin: str = "<objects>"
) -> Reach:
    """Analyze manifests given as Python dicts (as parsed from YAML)."""
    raws: list[RawObject] = []
    for i, obj in enumerate(objects, start=1):
        raws.extend(flatten(obj, f"{origin}#{i}", ""))
    return Reach(build_cluster(raws, Diagnostics(), skip_invalid), lambda: raws)


def _read_again(names: tuple[str, ...], default_namespace: str | None) -> ObjectsOf:
    """What reads the files again for :meth:`Reach.apply` (they are not kept in memory)."""

    def objects() -> list[RawObject]:
        if "-" in names:
            raise ReachError(
                "a Reach read from stdin cannot apply or delete objects: its input is gone; "
                "load files, or use reach.from_objects"
            )
        return list(FileSource(names, None, default_namespace).objects(Diagnostics()))

    return objects
