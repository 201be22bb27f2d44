"""calclib.support_table: the tables hold calclib's registry and calclib's own answers."""

import html
import re

import numpy as np

import calclib as cl
from calclib import numpy_dispatch, support_table


def test_conventions_are_calclibs_gradients():
    table = support_table.conventions_table([("x**2", lambda x: x**2, 3.0, "2x"),
                                             ("np.sum(np.abs(x))", lambda x: np.sum(np.abs(x)), np.array([-1.0, 2.0]), "sign")])
    assert table.rows[0][2] == "6" and table.rows[1][2] == "(-1, 1)"
    assert "<table class='calclib-conventions'" in table._repr_html_()
    assert repr(table).splitlines()[1] == "x**2 | 3 | 6 | 2x"          # plain text: no HTML tags left


def test_errors_name_the_exception_and_cut_the_supported_list():
    def writes(x):
        x[0] = 1.0
        return np.sum(x)

    table = support_table.errors_table([("x[0] = 1.0", writes), ("fine", np.sum)])
    assert table.rows[0][1].startswith("<code>TypeError</code>: ") and " Supported: " not in table.rows[0][1]
    assert table.rows[1][1] == "(no error)"


def test_the_supported_table_is_the_registry_grouped():
    tables = support_table.supported_table()
    rows = [row for _, table in tables.groups for row in table.rows]
    expected = numpy_dispatch.supported_functions()
    assert len(rows) == len(expected)
    names = {html.unescape(re.sub(r"<[^>]+>", "", row[0])) for row in rows}
    assert names == {r.name for r in expected}
    assert tables.summary.startswith(f"{len(expected)} entries in {len(tables.groups)} groups")
    assert [title for title, _ in tables.groups][0] == "Operators and indexing"
    assert "<wbr>" in support_table.code_html("np.linalg.norm")
    assert cl.grad(lambda x: x**2)(3.0) == 6.0
