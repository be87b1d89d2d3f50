"""The kinds other network plugins and meshes enforce policy with, read live only to say
that the answer leaves each object of theirs out (``unevaluated-kind``, as a load of files
says it: :mod:`reach.input.loader`), and a list of them that fails said instead
(``unevaluated-unlisted``): an answer is complete or says what it left out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reach.errors import Diagnostics
from reach.input.live.errors import LiveError
from reach.input.live.resources import FLAGGED_KINDS, FLAGGED_UNLISTED, Resource


def flagged_resources(
    served: Mapping[str, set[str]],
    preferred: Mapping[str, str],
    names: Callable[[str, str], set[str]],
) -> list[Resource]:
    """The flagged kinds the cluster serves (``served``: its versions of each group;
    ``names(group, version)``: the resources a version lists), each in its group's
    ``preferred`` version when that lists it, else in the first served version that does
    (reach reads nothing of their fields, so any version will do)."""
    found = []
    for group, plural, kind in FLAGGED_KINDS:
        versions = sorted(served.get(group, ()), key=lambda v: (v != preferred.get(group), v))
        version = next((v for v in versions if plural in names(group, v)), None)
        if version is not None:
            found.append(Resource(group, version, plural, kind))
    return found


def flagged_lists(
    resources: list[Resource], list_all: Callable[[Resource], list[Any]], diag: Diagnostics
) -> list[tuple[Resource, list[Any]]]:
    """The list of each flagged resource; one that fails (forbidden by a role that does not
    grant it, not found, ...) is said in ``diag``, partial, and the read goes on."""
    lists = []
    for res in resources:
        try:
            lists.append((res, list_all(res)))
        except LiveError as e:
            diag.add(
                FLAGGED_UNLISTED,
                f"{res.kind} objects ({res.api_version}) could not be listed ({e}): reach "
                "does not evaluate them and cannot say which there are; the answer may "
                "leave them out",
                partial=True,
            )
    return lists
