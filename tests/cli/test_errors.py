"""Bad input: exit 2, ``file#doc field.path: what is wrong``, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helpers import SHOP, run

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {"containers": []}}


def policy(ingress_rule: dict | None = None, selector: object = None) -> dict:
    spec: dict = {"podSelector": {} if selector is None else selector}
    if ingress_rule is not None:
        spec["ingress"] = [ingress_rule]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": spec,
    }


def run_file(
    tmp_path: Path, name: str, text: str, *options: str, command: str = "list"
) -> tuple[Path, int, str, str]:
    """Write ``text`` to the file ``name`` and run ``reach COMMAND -f FILE OPTIONS``: the file,
    the exit code, stdout and stderr."""
    f = tmp_path / name
    f.write_text(text)
    return (f, *run([command, "-f", str(f), *options]))


def check(tmp_path: Path, docs: list[dict], expected: str) -> str:
    f, code, out, err = run_file(tmp_path, "pol.yaml", yaml.safe_dump_all([POD, *docs]))
    assert code == 2, (out, err)
    assert out == ""
    assert "Traceback" not in err
    assert f"{f}#2 {expected}" in err, err
    return err


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    text = "kind: Pod\nmetadata:\n  name: [unclosed\n  labels: {}\n"
    f, code, out, err = run_file(tmp_path, "bad.yaml", text)
    assert code == 2
    assert f"{f}:" in err and "malformed YAML" in err
    line = int(err.split(f"{f}:")[1].split(":")[0])
    assert 3 <= line <= 5
    assert "Traceback" not in err


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    text = '{\n "kind": "Pod",\n "metadata": {"name": "a",}\n}\n'
    f, code, _, err = run_file(tmp_path, "bad.json", text)
    assert code == 2
    assert f"{f}:3: malformed JSON" in err


def test_unknown_protocol(tmp_path: Path) -> None:
    rule = {"ports": [{"port": 80, "protocol": "ICMP"}]}
    check(
        tmp_path,
        [policy(rule)],
        "spec.ingress[0].ports[0].protocol: 'ICMP' is not a supported protocol",
    )


def test_port_out_of_range(tmp_path: Path) -> None:
    rule = {"ports": [{"port": 80}, {"port": 70000}]}
    check(tmp_path, [policy(rule)], "spec.ingress[0].ports[1].port: 70000 is out of range")


def test_end_port_below_port(tmp_path: Path) -> None:
    rule = {"ports": [{"port": 8080, "endPort": 8000}]}
    check(
        tmp_path,
        [policy(rule)],
        "spec.ingress[0].ports[0].endPort: 8000 is below port 8080",
    )


def test_end_port_with_named_port(tmp_path: Path) -> None:
    rule = {"ports": [{"port": "http", "endPort": 8000}]}
    check(
        tmp_path,
        [policy(rule)],
        "spec.ingress[0].ports[0].endPort: may not be used with the named port",
    )


def test_port_that_is_neither_number_nor_name(tmp_path: Path) -> None:
    rule = {"ports": [{"port": "http_alt"}]}
    check(
        tmp_path,
        [policy(rule)],
        "spec.ingress[0].ports[0].port: 'http_alt' is not a port number or name",
    )


def test_bad_cidr(tmp_path: Path) -> None:
    rule = {"from": [{"ipBlock": {"cidr": "10.0.0.300/8"}}]}
    check(
        tmp_path,
        [policy(rule)],
        "spec.ingress[0].from[0].ipBlock.cidr: '10.0.0.300/8' is not a valid CIDR",
    )


def test_except_outside_its_cidr(tmp_path: Path) -> None:
    rule = {
        "from": [{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.1.0/24", "10.1.0.0/24"]}}]
    }
    check(
        tmp_path,
        [policy(rule)],
        "spec.ingress[0].from[0].ipBlock.except[1]: 10.1.0.0/24 is not strictly inside cidr",
    )


def test_unknown_selector_operator(tmp_path: Path) -> None:
    sel = {"matchExpressions": [{"key": "app", "operator": "Equals", "values": ["a"]}]}
    check(
        tmp_path,
        [policy(selector=sel)],
        "spec.podSelector.matchExpressions[0].operator: 'Equals' is not a valid operator",
    )


def test_pod_selector_not_a_mapping(tmp_path: Path) -> None:
    check(
        tmp_path,
        [policy(selector=["app=a"])],
        "spec.podSelector: must be a label selector mapping, not a list",
    )


def test_all_problems_are_reported_not_just_the_first(tmp_path: Path) -> None:
    bad1 = policy({"ports": [{"port": 0}]})
    bad2 = policy({"ports": [{"protocol": "tcp"}]})
    err = check(tmp_path, [bad1, bad2], "spec.ingress[0].ports[0].port: 0 is out of range")
    assert "pol.yaml#3 spec.ingress[0].ports[0].protocol" in err
    assert "2 problems in the input" in err


def test_list_items_get_their_path(tmp_path: Path) -> None:
    lst = {"apiVersion": "v1", "kind": "List", "items": [POD, policy({"ports": [{"port": -1}]})]}
    check(tmp_path, [lst], "items[1].spec.ingress[0].ports[0].port: -1 is out of range")


def test_skip_invalid_analyzes_the_rest_and_warns(tmp_path: Path) -> None:
    text = yaml.safe_dump_all([POD, policy({"ports": [{"port": 99999}]})])
    _, code, out, err = run_file(tmp_path, "pol.yaml", text, "--skip-invalid")
    assert code == 0
    assert "default/a[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections" in out
    assert "warning: skipped invalid object" in err and "99999" in err


def test_missing_file(tmp_path: Path) -> None:
    code, _, err = run(["list", "-f", str(tmp_path / "nope")])
    assert code == 2
    assert "no such file or directory" in err


def test_no_input_is_a_usage_error() -> None:
    code, _, err = run(["list"])
    assert code == 2
    assert "no input" in err


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    _, code, _, err = run_file(tmp_path, "p.yaml", yaml.safe_dump(POD), "--format", "xml")
    assert code == 2
    assert "--format must be one of" in err


def test_document_numbers_count_documents_read_by_either_reader(tmp_path: Path) -> None:
    # document 2 uses an anchor, so PyYAML reads it; documents 1 and 3 are plain block YAML
    text = (
        yaml.safe_dump(POD)
        + "---\nkind: Namespace\nmetadata: &m\n  name: other\n---\n"
        + yaml.safe_dump(policy({"ports": [{"port": 70000}]}))
    )
    f, code, _, err = run_file(tmp_path, "mixed.yaml", text)
    assert code == 2
    assert f"{f}#3 spec.ingress[0].ports[0].port: 70000 is out of range" in err


def test_malformed_yaml_after_other_documents_names_its_line(tmp_path: Path) -> None:
    good = yaml.safe_dump(POD) + "---\n"
    f, code, _, err = run_file(
        tmp_path, "late.yaml", good + good + "kind: Pod\nmetadata: {name: [x\n"
    )
    assert code == 2
    line = int(err.split(f"{f}:")[1].split(":")[0])
    with pytest.raises(yaml.MarkedYAMLError) as e:  # where PyYAML, reading it all, stops
        list(yaml.load_all(f.read_text(), Loader=yaml.SafeLoader))
    assert e.value.problem_mark is not None and line == e.value.problem_mark.line + 1
    assert line > 14  # past the two good documents
    assert "Traceback" not in err


def test_impossible_date_is_text_as_kubectl_reads_it(tmp_path: Path) -> None:
    # PyYAML fails to build 2024-02-30 as a date; kubectl's go-yaml reads a string
    text = "kind: Pod\nmetadata:\n  name: a\n  annotations:\n    built: 2024-02-30\n"
    _, code, _, err = run_file(tmp_path, "date.yaml", text, command="summary")
    assert code == 0, err
    assert "Traceback" not in err


def test_stdin_that_is_not_utf8() -> None:
    code, _, err = run(["summary", "-f", "-"], stdin=b"kind: Pod\na: \xff\n")
    assert code == 2
    assert "<stdin>: cannot read" in err and "can't decode byte 0xff" in err
    assert "Traceback" not in err


def test_ctrl_c_ends_quietly_with_exit_130_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("reach.api.load", interrupted)
    code, out, err = run(["list", "-f", SHOP])
    assert (code, out, err) == (130, "", "")  # typer ends it quietly, as shells count SIGINT
