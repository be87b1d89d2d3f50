"""The limits of what reach reads, and their checks (docs/input.md, "Limits").

Past any of them a file is refused with a message naming it (exit 2), never a traceback,
a hang or memory without end:

- :data:`MAX_DIGITS`: an integer of more digits than Python turns into text (a YAML or
  JSON number; a hexadecimal one is counted in decimal digits);
- :data:`MAX_DEPTH`: collections nested deeper than this (libyaml's own limit; JSON is
  read with room for at least as many levels, and refused when Python's stack runs out);
- :data:`MAX_ALIAS_NODES`: a YAML document whose aliases, each expanded into a copy of
  what it names, add more nodes than this (an "alias bomb": nine levels of nine aliases
  are 1 KB of text and 387 million nodes), or an alias inside what it names.

One limit is not a refusal: a workload's template is expanded into at most
:data:`MAX_REPLICAS` pods. Replicas are identical for every policy (policies select by
labels, never by a pod's name), so answers between workloads are the same; the pods past
the limit are left out of pod listings, and a ``replicas-capped`` warning says so.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import yaml

#: Python's limit on the digits of an integer turned into text (``sys.int_info``).
MAX_DIGITS = sys.int_info.default_max_str_digits
#: The largest integer of at most :data:`MAX_DIGITS` digits, plus one.
_TOO_BIG = 10**MAX_DIGITS
#: How deep collections may nest (libyaml's ``MAX_NESTING_LEVEL``).
MAX_DEPTH = 1000
#: How many nodes the aliases of one YAML document may add when expanded.
MAX_ALIAS_NODES = 400_000
#: How many pods one workload's ``replicas`` expand into (the rest are not listed).
MAX_REPLICAS = 1_000


class LimitError(ValueError):
    """Input past one of the limits above; the message says which."""


def check_integer(value: int) -> int:
    """``value``, or a LimitError if it has more than :data:`MAX_DIGITS` digits."""
    if -_TOO_BIG < value < _TOO_BIG:
        return value
    raise LimitError(too_many_digits())


def too_many_digits() -> str:
    return f"an integer of more than {MAX_DIGITS:,} digits (reach's limit)"


def too_deep() -> str:
    return f"nested deeper than {MAX_DEPTH:,} levels (reach's limit)"


def check_aliases(root: yaml.Node) -> None:
    """Refuse a composed document whose aliases expand it by more than
    :data:`MAX_ALIAS_NODES` nodes, or that holds an alias inside what it names.

    Aliases are shared nodes of the graph PyYAML composes; the expanded size of each node
    is counted once (iteratively: a document may nest :data:`MAX_DEPTH` levels deep).
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise yaml.constructor.ConstructorError(
                problem="an alias inside the anchor it names (a recursive document)",
                problem_mark=node.start_mark,
            )
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    added = sizes[id(root)] - len(sizes)
    if added > MAX_ALIAS_NODES:
        raise yaml.constructor.ConstructorError(
            problem=f"excessive aliasing: its aliases expand it by {added:,} nodes, more "
            f"than {MAX_ALIAS_NODES:,} (reach's limit; kubectl also refuses such documents)",
            problem_mark=root.start_mark,
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


@contextmanager
def nesting_room() -> Iterator[None]:
    """Room on Python's stack for a recursive reader (``json``) to nest
    :data:`MAX_DEPTH` levels below the caller, whatever the caller's depth."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back  # type: ignore[assignment]
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(before, depth + MAX_DEPTH + 50))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)
