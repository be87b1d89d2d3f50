"""PyYAML's safe loader, changed where kubectl's YAML reader (go-yaml) reads differently.

PyYAML stays the authority for YAML; these are the places where its YAML 1.1 gives
a manifest a meaning kubectl does not, each documented in docs/semantics.md ("YAML as
kubectl reads it") and tested in ``tests/input/test_yaml_kubectl.py``:

- a key written twice in one mapping is an error (PyYAML keeps the last one; kubectl
  refuses the file: "mapping key ... already defined at line N"); keys a merge (``<<``)
  brings in may still be overridden;
- a bare ``=`` is the string ``"="`` (PyYAML resolves it to the YAML 1.1 ``value`` tag
  and then has no constructor for it);
- timestamps (``2024-01-01``) stay the text written: go-yaml gives a string where the
  target is not a time, which a manifest's never is;
- sexagesimal numbers (``1:20``) stay the text written: go-yaml has no base 60; so do
  texts PyYAML takes for numbers and cannot build (``0x_``): go-yaml reads a string.

And it keeps reach's limits (:mod:`reach.input.limits`): an integer of more than 4,300
digits, a document whose aliases expand it past the limit, and a recursive alias are
errors (a ``ConstructorError`` at the node), where PyYAML would crash or build a structure
no walk over it ends.
"""

from __future__ import annotations

from typing import Any, cast

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from reach.input.limits import (
    MAX_DIGITS,
    LimitError,
    check_aliases,
    check_integer,
    too_many_digits,
)

_MERGE = "tag:yaml.org,2002:merge"


class DuplicateKeyError(ConstructorError):
    """A key written twice in one mapping: ``problem_mark`` is the second, ``first`` the first."""

    def __init__(self, key: object, first: yaml.Mark, second: yaml.Mark) -> None:
        super().__init__(problem=f"mapping key {key} already defined", problem_mark=second)
        self.key = key
        self.first = first


def _key_text(node: yaml.Node) -> str:
    value = node.value if isinstance(node, yaml.ScalarNode) else "..."
    return f'"{value}"'


class KubectlConstructor(SafeConstructor):
    """The safe constructor, with the differences listed in this module's docstring.

    ``may_alias`` false skips the alias check of each document (for a text without ``*``).
    """

    may_alias = True

    def construct_document(self, node: yaml.Node) -> Any:
        if self.may_alias:
            check_aliases(node)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            self._check_unique(node)
        return super().construct_mapping(node, deep=deep)

    def _check_unique(self, node: yaml.MappingNode) -> None:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self.construct_object(key_node)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:  # an unhashable key: the constructor reports it
                continue
            if first is not key_node:
                raise DuplicateKeyError(_key_text(key_node), first.start_mark, key_node.start_mark)

    def construct_text(self, node: yaml.ScalarNode) -> str:
        return str(self.construct_scalar(node))

    def construct_number(self, node: yaml.ScalarNode) -> Any:
        """A number; its text when go-yaml would not read a number there (base 60, or
        text PyYAML resolves as a number but cannot build, such as ``0x_``)."""
        if ":" in str(node.value):
            return self.construct_text(node)
        try:
            if node.tag.endswith(":int"):
                return check_integer(self.construct_yaml_int(node))
            return self.construct_yaml_float(node)
        except LimitError as e:
            raise ConstructorError(problem=str(e), problem_mark=node.start_mark) from None
        except ValueError:
            if sum(c.isdigit() for c in str(node.value)) > MAX_DIGITS:
                raise ConstructorError(
                    problem=too_many_digits(), problem_mark=node.start_mark
                ) from None
            return self.construct_text(node)


for _tag, _build in (
    ("value", KubectlConstructor.construct_text),
    ("timestamp", KubectlConstructor.construct_text),
    ("int", KubectlConstructor.construct_number),
    ("float", KubectlConstructor.construct_number),
):
    cast(Any, KubectlConstructor).add_constructor(f"tag:yaml.org,2002:{_tag}", _build)


class PyLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    KubectlConstructor,
    yaml.resolver.Resolver,
):
    """The pure-Python loader (used to resolve single scalars)."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        KubectlConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


class PyParser(
    yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer
):
    """The pure-Python parser and composer, without a constructor or a resolver."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)


#: libyaml's parser; None when PyYAML was built without libyaml.
_CParser: Any = getattr(yaml, "cyaml", None) and getattr(yaml.cyaml, "CParser", None)

#: The loader to parse with: libyaml's parser when PyYAML has it, as ``yaml.CSafeLoader``.
Loader: type = PyLoader
#: The parser and composer alone (libyaml's when PyYAML has it), for node trees.
Parser: type = _CParser or PyParser
if _CParser is not None:

    class CLoader(_CParser, KubectlConstructor, yaml.resolver.Resolver):  # type: ignore[misc]
        """libyaml's parser with the constructor above (as ``yaml.CSafeLoader`` is built)."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            KubectlConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    Loader = CLoader
