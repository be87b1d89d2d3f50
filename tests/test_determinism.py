"""The same objects in another order give byte-identical output from every command
(issue 25 item 15).

Each example is split into one file per object, named after the object, so that an
object's origin (``file#doc``) is the same whatever the order. The shuffled inputs give
those files to ``-f`` in a random order, and every mapping of every object with its keys
in a random order (lists keep their order: rule order is part of some policies'
meaning, and rule indexes are part of what reach prints).
"""

from __future__ import annotations

import difflib
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import EXAMPLES, run

#: (example, commands): each command is run with ``-f`` for every file of the example.
COMMANDS: dict[str, list[list[str]]] = {
    "shop": [
        ["list"],
        ["list", "--format", "json", "--by", "pod"],
        ["list", "--exposure", "--format", "json"],
        ["summary"],
        ["path", "web/frontend", "db/postgres"],
        ["path", "web/frontend", "db/postgres", "--all", "--format", "json"],
        ["explain", "web/frontend", "db/postgres"],
        ["blast-radius", "web/api-gateway", "--format", "json"],
        ["blast-radius", "pod/web/frontend-0", "--hops", "3"],
        ["exposure", "db/postgres", "--format", "json"],
        ["exposure", "db/postgres"],
        ["audit"],
        ["audit", "--format", "json"],
        ["export", "--format", "dot"],
        ["export", "--format", "graphml"],
        ["export", "--format", "json"],
    ],
    "shop-typo": [
        ["audit"],
        ["audit", "--format", "json"],
        ["explain", "app/orders", "db/postgres"],
        ["exposure", "db/postgres", "--format", "json"],
    ],
    "cilium": [
        ["list", "--format", "json"],
        ["audit", "--format", "json"],
        ["export", "--format", "json"],
    ],
}


def _identity(doc: dict[str, Any]) -> str:
    meta = doc.get("metadata") or {}
    parts = [doc.get("kind", "x"), meta.get("namespace", ""), meta.get("name", "")]
    return "-".join(str(p) for p in parts if p)


def _split(example: Path, into: Path) -> list[Path]:
    """One file per object of ``example``, named after it, sorted by name."""
    into.mkdir()
    files = []
    for source in sorted(example.glob("*.yaml")):
        for doc in yaml.safe_load_all(source.read_text()):
            if isinstance(doc, dict):
                f = into / f"{_identity(doc)}.yaml"
                assert not f.exists(), f"two objects named {f.name}"
                f.write_text(yaml.safe_dump(doc, sort_keys=True))
                files.append(f)
    return sorted(files)


def _shuffled(value: Any, rng: random.Random) -> Any:
    """``value`` with the keys of each mapping in a random order (lists as they are)."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


def _outputs(files: list[Path], example: str) -> list[tuple[int, str, str]]:
    args = [a for f in files for a in ("-f", str(f))]
    return [run([*command, *args]) for command in COMMANDS[example]]


@pytest.mark.parametrize("example", sorted(COMMANDS))
def test_same_objects_in_another_order_give_the_same_bytes(example: str, tmp_path: Path) -> None:
    files = _split(EXAMPLES / example, tmp_path / "a")
    expected = _outputs(files, example)
    assert any(rc == 0 and out for rc, out, _ in expected)  # the commands answer something
    for seed in range(3):
        rng = random.Random(seed)
        shuffled_dir = tmp_path / f"s{seed}"
        shuffled_dir.mkdir()
        shuffled = []
        for f in files:
            doc = _shuffled(yaml.safe_load(f.read_text()), rng)
            g = shuffled_dir / f.name
            g.write_text(yaml.safe_dump(doc, sort_keys=False))
            shuffled.append(g)
        rng.shuffle(shuffled)
        got = _outputs(shuffled, example)
        failures = []
        for command, want, have in zip(COMMANDS[example], expected, got, strict=True):
            want_text = [t.replace(str(tmp_path / "a"), "DIR") for t in want[1:]]
            have_text = [t.replace(str(shuffled_dir), "DIR") for t in have[1:]]
            if (have[0], *have_text) != (want[0], *want_text):
                diff = difflib.unified_diff(
                    "\n".join(want_text).splitlines(),
                    "\n".join(have_text).splitlines(),
                    lineterm="",
                )
                failures.append(
                    f"seed {seed}, {command}: exit {want[0]} -> {have[0]}\n"
                    + "\n".join(list(diff)[:40])
                )
        assert not failures, "\n\n".join(failures)
