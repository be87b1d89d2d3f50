"""Parse Calico selector expressions into :mod:`reach.model.calicoselector` trees.

The grammar, from the NetworkPolicy reference ("Selectors"), lowest precedence first::

    expr    := and ( '||' and )*
    and     := unary ( '&&' unary )*
    unary   := '!' unary | primary
    primary := '(' expr ')' | 'all' '(' ')' | 'global' '(' ')' | 'has' '(' LABEL ')'
             | LABEL '==' STRING | LABEL '!=' STRING
             | LABEL 'in' set | LABEL 'not' 'in' set
             | LABEL 'contains' STRING | LABEL 'starts' 'with' STRING
             | LABEL 'ends' 'with' STRING
    set     := '{' [ STRING ( ',' STRING )* ] '}'

"Operators have the following precedence: Highest: all the match operators;
Parentheses; Negation with !; Conjunction with &&; Lowest: Disjunction with ||". A
LABEL is made of letters, digits and ``_ . / -`` ("Label names are allowed to contain
alphanumerics, -, _ and /", and label keys such as ``kubernetes.io/metadata.name`` hold
dots); a STRING is quoted with ``'`` or ``"`` and has no escapes ("String literals
are more permissive but they do not support escape characters"). Whitespace between
tokens is free. An empty (or blank) selector is ``all()``. Errors name the 1-based
column: ``unexpected token ')' at column 12``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reach.errors import FieldError
from reach.model.calicoselector import (
    ALL,
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
)

_LABEL = re.compile(r"[A-Za-z0-9_./-]+")
_SYMBOLS = ("==", "!=", "&&", "||", "!", "(", ")", "{", "}", ",")


@dataclass(frozen=True)
class Token:
    """A word (label or keyword), a string literal, a symbol, or the end (``kind`` "end")."""

    kind: str  # "word" | "string" | "symbol" | "end"
    text: str
    column: int  # 1-based

    def __str__(self) -> str:
        if self.kind == "end":
            return "end of selector"
        if self.kind == "string":
            return f"string {self.text!r}"
        return repr(self.text)


class SelectorError(ValueError):
    """A selector that does not parse; the message names the column."""


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``end`` token."""
    out: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise SelectorError(f"unterminated string starting at column {i + 1}")
            out.append(Token("string", text[i + 1 : end], i + 1))
            i = end + 1
            continue
        symbol = next((s for s in _SYMBOLS if text.startswith(s, i)), None)
        if symbol is not None:
            out.append(Token("symbol", symbol, i + 1))
            i += len(symbol)
            continue
        m = _LABEL.match(text, i)
        if m is None:
            raise SelectorError(f"unexpected character {ch!r} at column {i + 1}")
        out.append(Token("word", m.group(), i + 1))
        i = m.end()
    out.append(Token("end", "", len(text) + 1))
    return out


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.at = 0

    @property
    def next(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        if token.kind != "end":
            self.at += 1
        return token

    def is_symbol(self, text: str, ahead: int = 0) -> bool:
        token = self.tokens[min(self.at + ahead, len(self.tokens) - 1)]
        return token.kind == "symbol" and token.text == text

    def is_word(self, text: str) -> bool:
        return self.next.kind == "word" and self.next.text == text

    def unexpected(self, expected: str = "") -> SelectorError:
        token = self.next
        said = f", expected {expected}" if expected else ""
        if token.kind == "end":
            return SelectorError(f"unexpected end of selector at column {token.column}{said}")
        return SelectorError(f"unexpected token {token} at column {token.column}{said}")

    def expect_symbol(self, text: str) -> None:
        if not self.is_symbol(text):
            raise self.unexpected(f"'{text}'")
        self.take()

    def expect_word(self, text: str) -> None:
        if not self.is_word(text):
            raise self.unexpected(f"'{text}'")
        self.take()

    def string(self, after: str) -> str:
        if self.next.kind != "string":
            raise self.unexpected(f"a quoted string after '{after}'")
        return self.take().text

    # -- grammar --------------------------------------------------------------------------
    def expression(self) -> Selector:
        operands = [self.conjunction()]
        while self.is_symbol("||"):
            self.take()
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def conjunction(self) -> Selector:
        operands = [self.unary()]
        while self.is_symbol("&&"):
            self.take()
            operands.append(self.unary())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def unary(self) -> Selector:
        if self.is_symbol("!"):
            self.take()
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Selector:
        if self.is_symbol("("):
            self.take()
            inner = self.expression()
            self.expect_symbol(")")
            return inner
        if self.next.kind != "word":
            raise self.unexpected("a label, has(), all(), global(), '!' or '('")
        if self.is_symbol("(", ahead=1):
            return self.function()
        return self.match(self.take().text)

    def function(self) -> Selector:
        name = self.next
        if name.text not in ("has", "all", "global"):
            raise SelectorError(
                f"unknown function {name.text!r} at column {name.column} "
                "(has(), all() and global() are the functions of the language)"
            )
        self.take()
        self.take()  # '('
        if name.text == "has":
            if self.next.kind != "word":
                raise self.unexpected("a label inside has()")
            key = self.take().text
            self.expect_symbol(")")
            return Has(key)
        self.expect_symbol(")")
        return All() if name.text == "all" else Global()

    def match(self, key: str) -> Selector:
        if self.is_symbol("=="):
            self.take()
            return Equal(key, self.string("=="))
        if self.is_symbol("!="):
            self.take()
            return NotEqual(key, self.string("!="))
        if self.is_word("in"):
            self.take()
            return In(key, self.value_set("in"))
        if self.is_word("not"):
            self.take()
            self.expect_word("in")
            return NotIn(key, self.value_set("not in"))
        if self.is_word("contains"):
            self.take()
            return StringTest(key, "contains", self.string("contains"))
        for first in ("starts", "ends"):
            if self.is_word(first):
                self.take()
                self.expect_word("with")
                operator = f"{first} with"
                return StringTest(key, operator, self.string(operator))
        raise self.unexpected(
            f"an operator after label {key!r} (==, !=, in, not in, contains, starts with, "
            "ends with)"
        )

    def value_set(self, after: str) -> frozenset[str]:
        if not self.is_symbol("{"):
            raise self.unexpected(f"'{{' after '{after}'")
        self.take()
        values: list[str] = []
        if self.is_symbol("}"):
            self.take()
            return frozenset()
        while True:
            values.append(self.string("{" if not values else ","))
            if self.is_symbol("}"):
                self.take()
                return frozenset(values)
            if not self.is_symbol(","):
                raise self.unexpected("',' or '}'")
            self.take()


def parse(text: str) -> Selector:
    """The tree of ``text``, or a :class:`SelectorError` naming the column."""
    tokens = tokenize(text)
    if tokens[0].kind == "end":
        return ALL
    parser = _Parser(tokens)
    tree = parser.expression()
    if parser.next.kind != "end":
        raise parser.unexpected("'&&', '||' or the end")
    return tree


def parse_field(raw: object, path: str, *, allow_global: bool = False) -> Selector:
    """A selector field at ``path``: a string of at most 1024 characters (the CRD's
    ``maxLength``) that parses; ``global()`` only where ``allow_global`` ("global() can
    only be used in an EntityRule namespaceSelector")."""
    if not isinstance(raw, str):
        raise FieldError(path, f"must be a selector string, not {type(raw).__name__} {raw!r}")
    if len(raw) > 1024:
        raise FieldError(path, "must be at most 1024 characters long")
    try:
        tree = parse(raw)
    except SelectorError as e:
        raise FieldError(path, str(e)) from None
    if not allow_global and "global(" in raw:
        raise FieldError(path, "global() can only be used in an EntityRule namespaceSelector")
    return tree
