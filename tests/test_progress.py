"""Loading files shows a bar on stderr only when asked, or on a terminal for large input."""

from __future__ import annotations

import io

import pytest

import reach
from reach.progress import Progress
from tests.helpers import EXAMPLES

SHOP = EXAMPLES / "shop"


def test_bar_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    reach.load(SHOP, progress=True)
    err = capsys.readouterr().err
    assert "reading namespaces.yaml" in err and "MiB" in err
    assert "compiling 17 pods and" in err
    assert err.endswith("\r\033[K")  # the bar is cleared before anything else is printed


def test_no_bar_by_default_or_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    reach.load(SHOP)
    reach.load(SHOP, progress=None)  # stderr is captured here, not a terminal
    assert capsys.readouterr().err == ""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("total", "shown"), [(99, False), (100, True)])
def test_auto_shows_only_for_large_work_on_a_terminal(total: int, shown: bool) -> None:
    out = Terminal()
    bar = Progress(None, out, minimum=100)
    bar.update("x", 1, total)
    bar.close()
    assert bool(out.getvalue()) is shown
