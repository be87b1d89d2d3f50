"""``reach diff OLD --apply PATH --delete PATH``: the NEW side made of OLD in place, the
objects of PATH applied or deleted as ``kubectl apply -f`` and ``kubectl delete -f`` would
(``Reach.apply`` and ``Reach.delete``: the quick ways of docs/watch.md where they apply,
else a load of the objects after)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reach import api
from reach.analysis.diff import DiffReport
from reach.analysis.diff import diff as diff_analyses
from reach.cli.common import fail, say
from reach.errors import Diagnostic, Diagnostics, InvalidInput, ReachError
from reach.input.files import FileSource
from reach.input.raw import RawObject
from reach.words import count


def applied_side(
    r: api.Reach,
    old: str,
    changes: tuple[list[str], list[str]],
    by: str,
    default_namespace: str | None,
) -> tuple[DiffReport, list[Diagnostic]]:
    """``r`` (OLD, read from ``old``) changed in place: the objects of the paths
    ``changes[1]`` deleted, then those of ``changes[0]`` applied. The change from OLD
    (NEW named ``OLD + PATH - PATH``) and what reading the paths said (shown with NEW's
    diagnostics); exit 2 on a path that holds no object, an invalid object (named by
    file, document and field) or an object to delete that OLD does not hold."""
    applied, deleted = changes
    label = old + "".join(f" + {p}" for p in applied) + "".join(f" - {p}" for p in deleted)
    read = Diagnostics()
    objects = [_read(applied, "--apply", default_namespace, read)]
    objects.append(_read(deleted, "--delete", default_namespace, read))
    before = r.analysis
    try:
        steps = [(r.delete, objects[1]), (r.apply, objects[0])]
        reports = [step(*raws, by=by) for step, raws in steps if raws]
    except InvalidInput as e:
        for p in e.problems:
            say(f"reach: error: {p}")
        raise fail(f"{count(len(e.problems), 'problem')} in --apply {' '.join(applied)}") from None
    except ReachError as e:
        raise fail(f"{label}: {e}") from None
    report = reports[0] if len(reports) == 1 else diff_analyses(before, r.analysis, by)
    return replace(report, old=old, new=label), read.notes


def _read(
    paths: list[str], flag: str, default_namespace: str | None, diag: Diagnostics
) -> list[RawObject]:
    """The objects of the manifest files and directories ``paths`` (of option ``flag``),
    with their origins; exit 2 when one does not exist, a file does not parse, or a path
    holds no object."""
    for path in paths:
        if not Path(path).exists():
            raise fail(f"{flag} {path}: no such file or directory")
    raws: list[RawObject] = []
    for path in paths:
        found = list(FileSource((path,), None, default_namespace).objects(diag))
        if diag.errors:
            for p in diag.errors:
                say(f"reach: error: {p}")
            raise fail(f"{count(len(diag.errors), 'problem')} in {flag} {path}")
        if not found:
            raise fail(f"{flag} {path}: no Kubernetes object found")
        raws += found
    return raws
