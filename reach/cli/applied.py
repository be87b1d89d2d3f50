"""``reach diff OLD --apply PATH --delete PATH``: the NEW side made of OLD in place, the
objects of PATH applied or deleted as ``kubectl apply -f`` and ``kubectl delete -f`` would
(``Reach.apply`` and ``Reach.delete``: the quick ways of docs/watch.md where they apply,
else a load of the objects after)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from reach import api
from reach.analysis.diff import DiffReport
from reach.cli.common import fail, say
from reach.errors import Diagnostic, Diagnostics, InvalidInput, ReachError
from reach.input.files import FileSource
from reach.input.loader import build_cluster
from reach.input.raw import RawObject
from reach.input.store import identity
from reach.words import count


@dataclass(frozen=True)
class Changes:
    """The paths of ``--apply`` and ``--delete``, and how they are read."""

    applied: list[str]
    deleted: list[str]
    default_namespace: str | None = None
    skip_invalid: bool = False

    def label(self, old: str) -> str:
        """NEW's name: ``OLD + PATH - PATH``."""
        return (
            old
            + "".join(f" + {p}" for p in self.applied)
            + "".join(f" - {p}" for p in self.deleted)
        )


def applied_side(
    r: api.Reach, old: str, changes: Changes, by: str
) -> tuple[DiffReport, list[Diagnostic]]:
    """``r`` (OLD, read from ``old``; not standard input) changed in place: the objects
    of the paths to delete deleted, then those to apply applied, in one update (the quick
    ways of each object in turn, the change compared once). The change from OLD (NEW
    named :meth:`Changes.label`) and what reading the paths said (NEW's diagnostics with
    them: an object skipped as invalid with ``skip_invalid``); exit 2 on a path that
    holds no object, an invalid object (named by file, document and field) or an object
    to delete that OLD does not hold."""
    label = changes.label(old)
    if old == "-":
        raise fail(
            "OLD - (standard input) cannot take --apply or --delete: give a file, a "
            "directory or live:CONTEXT"
        )
    read = Diagnostics()
    applied = _read(changes.applied, "--apply", changes, read)
    deleted = _read(changes.deleted, "--delete", changes, read)
    if not applied and not deleted:  # every object to apply skipped as invalid
        return replace(DiffReport(by), old=old, new=label), read.notes
    try:  # one update: deleted, then applied
        report = r.apply(*(api.Deleted(raw) for raw in deleted), *applied, by=by)
    except InvalidInput as e:
        for p in e.problems:
            say(f"reach: error: {p}")
        raise fail(f"{count(len(e.problems), 'problem')} in {label}") from None
    except ReachError as e:
        raise fail(f"{label}: {e}") from None
    return replace(report, old=old, new=label), read.notes


def _read(paths: list[str], flag: str, changes: Changes, diag: Diagnostics) -> list[RawObject]:
    """The objects of the manifest files and directories ``paths`` (of option ``flag``;
    ``-`` standard input), with their origins; exit 2 when one does not exist, a file
    does not parse, an object names no kind or name, or a path holds no object (what
    reading said of it, a Helm template say, before). Objects to apply that are invalid
    are left out with a ``skipped-invalid`` diagnostic in ``diag`` with ``skip_invalid``."""
    for path in paths:
        if path != "-" and not Path(path).exists():
            raise fail(f"{flag} {path}: no such file or directory")
    raws: list[RawObject] = []
    for path in paths:
        said = len(diag.notes)
        found = list(FileSource((path,), None, changes.default_namespace).objects(diag))
        if diag.errors:
            for p in diag.errors:
                say(f"reach: error: {p}")
            raise fail(f"{count(len(diag.errors), 'problem')} in {flag} {path}")
        for raw in found:
            try:
                identity(raw.obj)
            except ReachError as e:
                raise fail(f"{flag} {raw.origin} {raw.path}metadata: {e}") from None
        if not found:
            for note in diag.notes[said:]:
                say(f"reach: warning: {note}")
            raise fail(f"{flag} {path}: no Kubernetes object found")
        raws += _valid(found, diag) if changes.skip_invalid and flag == "--apply" else found
    return raws


def _valid(raws: list[RawObject], diag: Diagnostics) -> list[RawObject]:
    """The objects of ``raws`` a load reads without a problem; each problem of the others
    a ``skipped-invalid`` diagnostic in ``diag``, as a load with ``skip_invalid`` says."""
    kept: list[RawObject] = []
    for raw in raws:
        try:
            build_cluster([raw], Diagnostics())
        except InvalidInput as e:
            for p in e.problems:
                diag.add("skipped-invalid", f"skipped invalid object: {p}", partial=True)
            continue
        kept.append(raw)
    return kept
