"""The Calico selector language (reach.input.calicoselector): one test per grammar rule and
per error, and Hypothesis properties (text round trip, agreement with a tiny evaluator)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reach.errors import FieldError
from reach.input.calicoselector import SelectorError, parse, parse_field, tokenize
from reach.model.calicoselector import (
    All,
    And,
    Equal,
    Global,
    Has,
    In,
    Not,
    NotEqual,
    NotIn,
    Or,
    Selector,
    StringTest,
    leaves,
    quote,
)

# ------------------------------------------------------------------ grammar, one rule each


def test_empty_selector_is_all() -> None:
    assert parse("") == All() and parse("   ") == All()


def test_all_function() -> None:
    assert parse("all()") == All()
    assert parse("all()").matches({}) and not parse("all()").matches({}, global_resource=True)


def test_global_function() -> None:
    assert parse("global()") == Global()
    assert parse("global()").matches({}, global_resource=True) and not parse("global()").matches({})


def test_has() -> None:
    assert parse("has(my-label)") == Has("my-label")
    assert parse("has( a )").matches({"a": ""}) and not parse("has(a)").matches({"b": "x"})


def test_equal_with_single_and_double_quotes() -> None:
    assert parse("role == 'db'") == parse('role == "db"') == Equal("role", "db")
    assert parse("role == 'db'").matches({"role": "db"})
    assert not parse("role == 'db'").matches({})


def test_not_equal_matches_endpoints_without_the_label() -> None:
    sel = parse("env != 'prod'")
    assert sel == NotEqual("env", "prod")
    assert sel.matches({}) and sel.matches({"env": "dev"}) and not sel.matches({"env": "prod"})


def test_in_set() -> None:
    sel = parse("role in {'frontend', 'business'}")
    assert sel == In("role", frozenset({"frontend", "business"}))
    assert (
        sel.matches({"role": "business"})
        and not sel.matches({})
        and not sel.matches({"role": "db"})
    )


def test_empty_in_set_matches_nothing_and_not_in_everything() -> None:
    assert parse("k in {}") == In("k", frozenset())
    assert not parse("k in {}").matches({"k": "v"}) and parse("k not in {}").matches({"k": "v"})


def test_not_in_matches_endpoints_without_the_label() -> None:
    sel = parse('kubernetes.io/metadata.name not in {"kube-system", "calico-system"}')
    assert sel == NotIn("kubernetes.io/metadata.name", frozenset({"kube-system", "calico-system"}))
    assert sel.matches({}) and not sel.matches({"kubernetes.io/metadata.name": "kube-system"})


def test_contains() -> None:
    sel = parse("app contains 'web'")
    assert sel == StringTest("app", "contains", "web")
    assert (
        sel.matches({"app": "a-web-b"}) and not sel.matches({}) and not sel.matches({"app": "api"})
    )


def test_starts_with() -> None:
    sel = parse("my-label starts with 'prod'")
    assert sel == StringTest("my-label", "starts with", "prod")
    assert sel.matches({"my-label": "prod-1"}) and not sel.matches({"my-label": "x-prod"})


def test_ends_with() -> None:
    sel = parse("host ends with '.local'")
    assert sel == StringTest("host", "ends with", ".local")
    assert sel.matches({"host": "a.local"}) and not sel.matches({"host": ".localx"})


def test_negation() -> None:
    assert parse("!has(a)") == Not(Has("a"))
    assert parse("! ! has(a)") == Not(Not(Has("a")))


def test_conjunction_is_one_level() -> None:
    assert parse("has(a) && has(b) && has(c)") == And((Has("a"), Has("b"), Has("c")))


def test_disjunction_is_one_level() -> None:
    assert parse("has(a) || has(b) || has(c)") == Or((Has("a"), Has("b"), Has("c")))


def test_parentheses_group() -> None:
    assert parse("(has(a) || has(b)) && has(c)") == And((Or((Has("a"), Has("b"))), Has("c")))
    assert parse("((has(a)))") == Has("a")


def test_precedence_example_of_the_reference() -> None:
    """The reference: ``! has(my-label) || my-label starts with 'prod' && role in {...}``
    is ``((!(has(my-label)) || ((my-label starts with 'prod') && (role in {...})))``."""
    sel = parse("! has(my-label) || my-label starts with 'prod' && role in {'frontend','business'}")
    assert sel == Or(
        (
            Not(Has("my-label")),
            And(
                (
                    StringTest("my-label", "starts with", "prod"),
                    In("role", frozenset({"frontend", "business"})),
                )
            ),
        )
    )
    assert sel.matches({})
    assert sel.matches({"my-label": "prod-x", "role": "frontend"})
    assert not sel.matches({"my-label": "dev", "role": "frontend"})


def test_negation_binds_tighter_than_and() -> None:
    assert parse("!has(a) && has(b)") == And((Not(Has("a")), Has("b")))


def test_match_operators_bind_tighter_than_negation() -> None:
    assert parse("!a == 'x'") == Not(Equal("a", "x"))


def test_keyword_words_are_labels_where_a_label_is_expected() -> None:
    assert parse("in in {'x'}") == In("in", frozenset({"x"}))
    assert parse("has == 'x'") == Equal("has", "x")
    assert parse("not not in {'y'}") == NotIn("not", frozenset({"y"}))


def test_string_values_keep_spaces_and_the_other_quote() -> None:
    assert parse("""a == "it's x y" """) == Equal("a", "it's x y")


def test_whitespace_is_free_between_tokens() -> None:
    assert parse("a=='x'&&b!='y'") == And((Equal("a", "x"), NotEqual("b", "y")))


# ------------------------------------------------------------------ errors, one each


def _error(text: str) -> str:
    with pytest.raises(SelectorError) as e:
        parse(text)
    return str(e.value)


def test_error_unexpected_closing_parenthesis_names_its_column() -> None:
    assert _error("role == 'a' )") == (
        "unexpected token ')' at column 13, expected '&&', '||' or the end"
    )


def test_error_unterminated_string() -> None:
    assert _error("a == 'x") == "unterminated string starting at column 6"


def test_error_unexpected_character() -> None:
    assert _error("a == 'x' & b") == "unexpected character '&' at column 10"


def test_error_missing_value_after_equal() -> None:
    assert _error("a == b") == (
        "unexpected token 'b' at column 6, expected a quoted string after '=='"
    )


def test_error_missing_operator_after_label() -> None:
    assert "expected an operator after label 'a'" in _error("a 'x'")


def test_error_unknown_function() -> None:
    assert _error("hass(a)").startswith("unknown function 'hass' at column 1")


def test_error_has_without_label() -> None:
    assert _error("has('a')") == (
        "unexpected token string 'a' at column 5, expected a label inside has()"
    )


def test_error_unclosed_parenthesis() -> None:
    assert _error("(has(a)") == "unexpected end of selector at column 8, expected ')'"


def test_error_not_without_in() -> None:
    assert _error("a not {'x'}") == "unexpected token '{' at column 7, expected 'in'"


def test_error_starts_without_with() -> None:
    assert _error("a starts 'x'") == "unexpected token string 'x' at column 10, expected 'with'"


def test_error_set_without_brace() -> None:
    assert _error("a in 'x'") == (
        "unexpected token string 'x' at column 6, expected '{' after 'in'"
    )


def test_error_set_without_comma() -> None:
    assert _error("a in {'x' 'y'}") == (
        "unexpected token string 'y' at column 11, expected ',' or '}'"
    )


def test_error_dangling_operator() -> None:
    assert _error("has(a) &&") == (
        "unexpected end of selector at column 10, expected a label, has(), all(), global(), "
        "'!' or '('"
    )


def test_error_empty_parentheses() -> None:
    assert _error("()").startswith("unexpected token ')' at column 2")


def test_field_error_names_the_path_and_column() -> None:
    with pytest.raises(FieldError) as e:
        parse_field("role == 'a' )", "spec.selector")
    assert str(e.value) == (
        "spec.selector: unexpected token ')' at column 13, expected '&&', '||' or the end"
    )


def test_field_refuses_global_outside_namespace_selectors() -> None:
    with pytest.raises(FieldError, match="global\\(\\) can only be used in an EntityRule"):
        parse_field("global()", "spec.selector")
    assert parse_field("global()", "x.namespaceSelector", allow_global=True) == Global()


def test_field_refuses_non_strings_and_long_text() -> None:
    with pytest.raises(FieldError, match="must be a selector string"):
        parse_field(3, "spec.selector")
    with pytest.raises(FieldError, match="at most 1024"):
        parse_field("has(a) && " * 103 + "has(a)", "spec.selector")


def test_tokens_carry_columns() -> None:
    assert [(t.kind, t.text, t.column) for t in tokenize("a=='b'")] == [
        ("word", "a", 1),
        ("symbol", "==", 2),
        ("string", "b", 4),
        ("end", "", 7),
    ]


# ------------------------------------------------------------------ properties

KEYS = ["a", "b", "app.kubernetes.io/name", "in", "has"]
VALUES = ["", "x", "y", "x y", "it's", 'say "hi"', "prod-1"]
label_dicts = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=4)


def _leaf() -> st.SearchStrategy[Selector]:
    key, value = st.sampled_from(KEYS), st.sampled_from(VALUES)
    values = st.frozensets(value, max_size=3)
    return st.one_of(
        st.just(All()),
        st.builds(Has, key),
        st.builds(Equal, key, value),
        st.builds(NotEqual, key, value),
        st.builds(In, key, values),
        st.builds(NotIn, key, values),
        st.builds(
            StringTest, key, st.sampled_from(["contains", "starts with", "ends with"]), value
        ),
    )


selectors: st.SearchStrategy[Selector] = st.recursive(
    _leaf(),
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.builds(And, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(Or, st.lists(inner, min_size=2, max_size=3).map(tuple)),
    ),
    max_leaves=8,
)


def reference_matches(text: str, labels: dict[str, str]) -> bool:
    """An independent evaluator of selector text: rewrite it to a Python expression (the
    language's precedence is Python's ``not``/``and``/``or`` with the match operators
    as atoms) and evaluate it."""
    pattern = re.compile(
        r"""\s*(?:(?P<fn>has|all|global)\(\s*(?P<fkey>[\w./-]*)\s*\)"""
        r"""|(?P<key>[\w./-]+)\s*(?P<op>==|!=|not\s+in|in|contains|starts\s+with|ends\s+with)\s*"""
        r"""(?P<val>'[^']*'|"[^"]*"|\{[^}]*\})"""
        r"""|(?P<sym>&&|\|\||!|\(|\)))"""
    )
    out: list[str] = []
    pos = 0
    env = {"L": labels}
    while pos < len(text.rstrip()):
        m = pattern.match(text, pos)
        assert m, text[pos:]
        pos = m.end()
        if m.group("fn"):
            fn, key = m.group("fn"), m.group("fkey")
            out.append({"has": f"({key!r} in L)", "all": "True", "global": "False"}[fn])
        elif m.group("key"):
            key, op, val = m.group("key"), " ".join(m.group("op").split()), m.group("val")
            if val.startswith("{"):
                items = re.findall(r"'[^']*'|\"[^\"]*\"", val)
                val = "{" + ",".join(items) + "}" if items else "set()"
            get = f"L.get({key!r})"
            out.append(
                {
                    "==": f"({get} == {val})",
                    "!=": f"({get} != {val})",
                    "in": f"({get} in {val})",
                    "not in": f"({get} not in {val})",
                    "contains": f"({key!r} in L and {val} in L[{key!r}])",
                    "starts with": f"({key!r} in L and L[{key!r}].startswith({val}))",
                    "ends with": f"({key!r} in L and L[{key!r}].endswith({val}))",
                }[op]
            )
        else:
            out.append(
                {"&&": " and ", "||": " or ", "!": " not ", "(": "(", ")": ")"}[m.group("sym")]
            )
    return bool(eval("".join(out), {}, env))  # noqa: S307 - test-only evaluator of our own text


@settings(max_examples=300, deadline=None)
@given(selectors)
def test_text_round_trip(selector: Selector) -> None:
    assert parse(str(selector)) == selector


@settings(max_examples=300, deadline=None)
@given(selectors, label_dicts)
def test_evaluation_agrees_with_an_independent_evaluator(
    selector: Selector, labels: dict[str, str]
) -> None:
    text = str(selector)
    assert selector.matches(labels) == reference_matches(text, labels)
    assert parse(text).matches(labels) == selector.matches(labels)


def test_independent_evaluator_is_not_trivial() -> None:
    """The property above would pass with an evaluator that always says the same thing."""
    assert reference_matches("a == 'x' && !has(b)", {"a": "x"})
    assert not reference_matches("a == 'x' && !has(b)", {"a": "x", "b": ""})
    assert reference_matches("a not in {} || a in {'q'}", {})


def test_quote_refuses_values_with_both_quotes() -> None:
    with pytest.raises(ValueError, match="both quote characters"):
        quote("""a'b"c""")


def test_leaves_walk_the_tree() -> None:
    sel = parse("!(has(a) && b == 'x') || all()")
    assert list(leaves(sel)) == [Has("a"), Equal("b", "x"), All()]
