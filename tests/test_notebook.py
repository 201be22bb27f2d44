"""calclib.notebook: the listings a chapter shows are whole statements, at the left margin."""

from __future__ import annotations

import ast

import pytest

import calclib as cl
from calclib.notebook import source_of


def test_a_method_is_listed_whole_and_dedented():
    text = source_of(cl.reverse.Adjoints.add)
    assert text.startswith("def add(")
    ast.parse(text)                                   # a whole statement: it parses on its own
    assert all(not line or line.startswith(" ") or line.startswith(("def", "@")) for line in text.splitlines())


def test_a_table_is_listed_as_its_whole_assignment():
    text = source_of(cl.rules, "PARTIALS")
    tree = ast.parse(text)
    assert len(tree.body) == 1 and isinstance(tree.body[0], (ast.Assign, ast.AnnAssign))
    assert text.rstrip().endswith("}")


def test_unknown_names_and_non_modules_are_refused_with_a_message():
    with pytest.raises(LookupError, match="no 'NOT_THERE'"):
        source_of(cl.rules, "NOT_THERE")
    with pytest.raises(TypeError, match="not one"):
        source_of(cl.grad, "x")
