"""Live faults (issue 25 items 7, 10, 11, 12): a broken kubeconfig, a bad
--request-timeout, an answer that trickles in, a list that drops its continue token, and
credentials in the server URL; each against the local API test server (tests/k8s_server.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import reach
from reach.errors import Diagnostics, PartialAnswerWarning
from reach.input.live import LiveError, LiveOptions, LiveSource
from reach.input.live.request import shown_url
from reach.output import to_text
from tests.helpers import EXAMPLES, run
from tests.k8s_server import shop_objects
from tests.liveread import Objects, Serve, read, serving


@pytest.fixture(scope="module")
def shop() -> Objects:
    return shop_objects(EXAMPLES)


@pytest.fixture
def serve() -> Iterator[Serve]:
    yield from serving()


def fail(kubeconfig: Path, **kw: Any) -> str:
    src = LiveSource(LiveOptions(kubeconfig=str(kubeconfig), **kw))
    with pytest.raises(LiveError) as e:
        src.read(Diagnostics())
    return str(e.value)


def edited(kubeconfig: Path, change: Any) -> Path:
    """``kubeconfig`` after ``change(doc)`` changed its document in place."""
    doc = yaml.safe_load(kubeconfig.read_text())
    change(doc)
    kubeconfig.write_text(yaml.safe_dump(doc))
    return kubeconfig


# ------------------------------------------------------------- kubeconfig (item 7)


def test_kubeconfig_that_is_not_yaml(tmp_path: Path) -> None:
    kc = tmp_path / "kc"
    kc.write_text("clusters: [\n")
    code, _, err = run(["list", "--kubeconfig", str(kc)])
    assert code == 2
    assert f"kubeconfig {kc}:2: malformed YAML" in err


def test_token_with_a_newline_is_named(serve: Serve, shop: Objects, tmp_path: Path) -> None:
    srv = serve(shop)
    kc = srv.kubeconfig(tmp_path / "kc", token="abc\ndef")
    assert "users[0].user.token: holds a control character" in fail(kc)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(clusters=5), "clusters: must be a list"),
        (lambda d: d["users"][0].update(user=7), "users[0].user: must be a mapping"),
        (lambda d: d["contexts"][0].update(context=3), "contexts[0].context: must be a mapping"),
        (
            lambda d: d["clusters"][0]["cluster"].update(server=5),
            "clusters[0].cluster.server: must be a string",
        ),
        (lambda d: d.update({"current-context": [1]}), "current-context: must be a string"),
    ],
)
def test_kubeconfig_fields_of_the_wrong_type_are_named(
    serve: Serve, shop: Objects, tmp_path: Path, change: Any, field: str
) -> None:
    kc = edited(serve(shop).kubeconfig(tmp_path / "kc"), change)
    assert f"kubeconfig {kc} {field}" in fail(kc)


def test_context_given_without_current_context(serve: Serve, shop: Objects, tmp_path: Path) -> None:
    srv = serve(shop)
    kc = edited(srv.kubeconfig(tmp_path / "kc", context="x"), lambda d: d.pop("current-context"))
    raws, _, _ = read(kc, context="x")
    assert raws


@pytest.mark.parametrize("timeout", ["-1", "nan", "inf", "1e308"])
def test_request_timeout_out_of_range_is_a_usage_error(
    serve: Serve, shop: Objects, tmp_path: Path, timeout: str
) -> None:
    kc = serve(shop).kubeconfig(tmp_path / "kc")
    code, _, err = run(["list", "--kubeconfig", str(kc), "--request-timeout", timeout])
    assert code == 2
    assert "--request-timeout must be a number of seconds from 0 (no limit)" in err


# --------------------------------------------------------------- trickle (item 10)


def test_request_timeout_bounds_an_answer_that_trickles_in(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop)
    srv.trickle["pods"] = 0.2  # 64 bytes each time: the shop's pods take minutes
    start = time.monotonic()
    msg = fail(srv.kubeconfig(tmp_path / "kc"), request_timeout=1)
    assert time.monotonic() - start < 5
    assert msg.startswith("timeout: ") and "list pods" in msg


def test_a_short_trickle_within_the_timeout_is_read(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop)
    srv.trickle["/version"] = 0.01
    raws, src, _ = read(srv.kubeconfig(tmp_path / "kc"), request_timeout=10)
    assert raws and src.info["server_version"] == "v1.31.2"


# ------------------------------------------------------- missing continue (item 11)


def test_a_page_without_its_continue_token_is_a_partial_answer(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop)
    srv.drop_continue["pods"] = 1
    raws, _, diag = read(srv.kubeconfig(tmp_path / "kc"), page_limit=4)
    (note,) = [d for d in diag.notes if d.code == "list-incomplete"]
    assert note.partial
    pods = sum(1 for r in raws if r.obj["kind"] == "Pod")
    assert f"ended after {pods} items, but the server had announced" in note.message


def test_a_truncated_list_is_said_in_the_listing(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop)
    srv.drop_continue["pods"] = 1
    kc = srv.kubeconfig(tmp_path / "kc")
    with pytest.warns(PartialAnswerWarning, match="list-incomplete|announced"):
        r = reach.load_live(LiveOptions(kubeconfig=str(kc), page_limit=4))
    text = to_text(r.listing("txt"), "txt")
    assert "# [warning] list-incomplete: live:test/pods:" in text


# -------------------------------------------------------- credentials (item 12)


def test_credentials_in_the_server_url_are_never_written(
    serve: Serve, shop: Objects, tmp_path: Path
) -> None:
    srv = serve(shop)
    kc = srv.kubeconfig(tmp_path / "kc", credentials="admin:PASS")
    snap = tmp_path / "snap.yaml"
    code, _, err = run(["snapshot", "--kubeconfig", str(kc), "-o", str(snap)])
    assert code == 0, err
    header = snap.read_text().split("\n\n")[0]
    assert f"# server: {srv.url}\n" in snap.read_text()
    srv.fail_page["pods"] = srv.pages["pods"] + 1
    code, _, err = run(["list", "--kubeconfig", str(kc)])
    assert code == 2 and srv.url in err
    for text in (header, err):
        assert "PASS" not in text and "admin" not in text


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://admin:PASS@api.example:6443/k8s?token=SECRET#x", "https://api.example:6443/k8s"),
        ("https://[::1]:6443", "https://[::1]:6443"),
        ("http://a@b@host:1/", "http://host:1/"),
    ],
)
def test_server_urls_are_shown_without_secrets(url: str, shown: str) -> None:
    assert shown_url(url) == shown
