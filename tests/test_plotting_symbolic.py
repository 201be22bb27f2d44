"""calclib.plotting.symbolic: the swell figure draws the tables of calclib.symbolic.swell_table."""

import pytest
import sympy as sp

from calclib import symbolic as S
from calclib.plotting import symbolic as symbolic_plots


def tree_size(expr):
    """Nodes of a sympy expression, counted by recursion (independent of calclib's traversal)."""
    return 1 + sum(tree_size(a) for a in expr.args)


@pytest.fixture(scope="module")
def tables():
    return {fam: S.swell_table(fam, n_max=4, simplify=False) for fam in S.SWELL_FAMILIES}


def test_swell_traces_are_the_tree_sizes(tables):
    families = list(tables)
    fig = symbolic_plots.swell_figure(tables, families)
    assert len(fig.data) == 3 * len(families)
    x = sp.Symbol("x")
    for i, fam in enumerate(families):
        function, derivative, shared = fig.data[3 * i: 3 * i + 3]
        assert [t.name for t in (function, derivative, shared)] == ["function", "derivative", "shared"]
        assert {t.legendgroup for t in (function, derivative, shared)} == {fam}
        assert list(function.x) == [1, 2, 3, 4]
        for n in (1, 2, 3, 4):
            fn = S.swell_example(fam, n, x)
            assert function.y[n - 1] == tree_size(fn)
            assert derivative.y[n - 1] == tree_size(sp.diff(fn, x))
        assert function.line.dash == "dot" and derivative.line.dash == "solid" and shared.line.dash == "dash"


def test_swell_buttons_alt_and_layout(tables):
    fig = symbolic_plots.swell_figure(tables, ["logistic-map", "product"])
    assert fig.data[0].legendgroup == "logistic-map" and len(fig.data) == 6
    kinds = [b.args[0]["yaxis.type"] for b in fig.layout.updatemenus[0].buttons]
    assert kinds == ["log", "linear"] and fig.layout.yaxis.type == "log"
    alt = fig.layout.meta["alt"]
    lm, prod = tables["logistic-map"], tables["product"]
    assert f"{lm['derivative'][-1]} nodes for the logistic-map family" in alt
    assert f"{prod['derivative'][-1]} nodes for the product family" in alt
    assert f"shared, {lm['shared'][-1]}, {prod['shared'][-1]}." in alt
    assert "from 1 to 4" in alt


def test_swell_rejects_bad_tables(tables):
    with pytest.raises(ValueError, match="no table for the family 'nope'"):
        symbolic_plots.swell_figure(tables, ["nope"])
    with pytest.raises(ValueError, match="lacks the columns"):
        symbolic_plots.swell_figure({"toy": {"n": [1], "function": [1]}})
    with pytest.raises(ValueError, match="one length"):
        symbolic_plots.swell_figure({"toy": {"n": [1, 2], "function": [1], "derivative": [1, 2],
                                             "shared": [1, 2]}})
    with pytest.raises(ValueError, match="at least one family"):
        symbolic_plots.swell_figure({})
