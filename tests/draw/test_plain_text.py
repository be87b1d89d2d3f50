"""Names in pictures are text, never mathtext or TeX (issue 25 item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run
from tests.readers import PNG_MAGIC, svg_texts

#: A name matplotlib would parse as mathtext, and fail on (``\frac`` wants two arguments).
MATH = "a$\\frac$"


@pytest.fixture
def math_name(tmp_path: Path) -> Path:
    f = tmp_path / "pod.yaml"
    f.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  ownerReferences:\n"
        f"  - {{controller: true, kind: Foo, name: '{MATH}'}}\n"
    )
    return f


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_a_name_with_dollars_is_drawn_as_written(
    math_name: Path, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"x.{suffix}"
    code, _, err = run(["export", "-f", str(math_name), "-o", str(out)])
    assert code == 0, err
    if suffix == "png":
        assert out.read_bytes().startswith(PNG_MAGIC)
    else:
        assert MATH in svg_texts(out.read_bytes())


def test_a_file_name_with_dollars_in_the_matrix_title(math_name: Path, tmp_path: Path) -> None:
    folder = tmp_path / "$\\frac$"
    folder.mkdir()
    math_name.rename(folder / "pod.yaml")
    out = tmp_path / "m.svg"
    code, _, err = run(["export", "--view", "matrix", "-f", str(folder), "-o", str(out)])
    assert code == 0, err
    assert "$\\frac$" in svg_texts(out.read_bytes())
