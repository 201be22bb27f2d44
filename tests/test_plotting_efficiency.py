"""Tests of calclib.plotting.efficiency: each figure holds the measurements it is given, and says so in its alt text."""

from __future__ import annotations

import numpy as np
import pytest

from calclib.plotting import efficiency

FUNCTIONS = ["x²", "2x³ − 3x² + 5", "e^(−2x) + 3 sin 3x"]
METHODS = ["symbolic", "central difference", "forward mode"]


def _race_data():
    """Ratios 1 + i + 10 k and errors 10^-(10 + k) (exactly 0 for function 0, method 0)."""
    ratios = {(name, method): 1.0 + i + 10 * k for i, name in enumerate(FUNCTIONS) for k, method in enumerate(METHODS)}
    errors = {(name, method): 10.0 ** -(10 + k) for name in FUNCTIONS for k, method in enumerate(METHODS)}
    errors[FUNCTIONS[0], METHODS[0]] = 0.0
    return ratios, errors


def test_race_bars_draws_each_ratio_and_error_in_its_group():
    ratios, errors = _race_data()
    fig = efficiency.race_bars(ratios, errors, FUNCTIONS, METHODS)
    speed, accuracy = fig.axes[:2]
    assert len(speed.containers) == len(METHODS) == len(accuracy.containers)
    for k in range(len(METHODS)):
        heights = [bar.get_height() for bar in speed.containers[k]]
        assert heights == pytest.approx([1.0 + i + 10 * k for i in range(len(FUNCTIONS))])
        error_heights = [bar.get_height() for bar in accuracy.containers[k]]
        expected = [10.0 ** -(10 + k)] * len(FUNCTIONS)
        if k == 0:
            expected[0] = efficiency.ERROR_FLOOR      # an exact 0 is drawn at the floor ...
        assert error_heights == pytest.approx(expected, rel=1e-12)
    assert [t.get_text() for t in accuracy.texts] == ["0"]  # ... and labelled 0, once
    assert speed.get_yscale() == "log" == accuracy.get_yscale()
    assert [t.get_text() for t in speed.get_xticklabels()] == FUNCTIONS
    # the bars of one group sit around the group's position, in the order of the methods
    centres = [speed.containers[k][1].get_x() + speed.containers[k][1].get_width() / 2 for k in range(3)]
    assert centres == pytest.approx([1 - 0.8 / 3, 1, 1 + 0.8 / 3])


def test_race_bars_rejects_missing_or_impossible_values():
    ratios, errors = _race_data()
    del ratios[FUNCTIONS[1], METHODS[2]]
    with pytest.raises(ValueError, match="ratios has no entry for .*pass a dictionary"):
        efficiency.race_bars(ratios, errors, FUNCTIONS, METHODS)
    ratios, errors = _race_data()
    ratios[FUNCTIONS[0], METHODS[1]] = 0.0
    with pytest.raises(ValueError, match="time ratios > 0"):
        efficiency.race_bars(ratios, errors, FUNCTIONS, METHODS)
    with pytest.raises(ValueError, match="at least one function"):
        efficiency.race_bars({}, {}, [], METHODS)


def _jacobian_data(ns, ms):
    """Times n ms (forward) and (1 + m) ms (reverse), i.e. proportional to the passes n and 1 + m."""
    times, passes = {}, {}
    for n in ns:
        for m in ms:
            passes["forward", n, m], passes["reverse", n, m] = n, 1 + m
            times["forward", n, m], times["reverse", n, m] = n * 1e-3, (1 + m) * 1e-3
    return times, passes


def test_jacobian_times_slider_holds_the_times_and_one_slider_step_per_m():
    ns, ms = [1, 2, 4, 8], [1, 4, 16]
    times, passes = _jacobian_data(ns, ms)
    fig = efficiency.jacobian_times_slider(ns, ms, times, passes, repeats=5)
    assert len(fig.data) == 2 * len(ms)
    for k, m in enumerate(ms):
        forward, reverse = fig.data[2 * k], fig.data[2 * k + 1]
        assert list(forward.x) == ns == list(reverse.x)
        assert list(forward.y) == pytest.approx([float(n) for n in ns])        # n ms
        assert list(reverse.y) == pytest.approx([1.0 + m] * len(ns))           # (1 + m) ms
        assert list(forward.customdata) == ns and list(reverse.customdata) == [1 + m] * len(ns)
        assert forward.visible == (k == 0) and reverse.visible == (k == 0)
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == [str(m) for m in ms]
    for k, step in enumerate(steps):
        assert step.args[0]["visible"] == [j // 2 == k for j in range(2 * len(ms))]
        assert f"m = {ms[k]}" in step.args[1]["title.text"]
    assert "median of 5" in fig.layout.yaxis.title.text
    low, high = fig.layout.yaxis.range
    assert low < np.log10(1.0) and high > np.log10(17.0)                   # every point is in view
    alt = fig.layout.meta["alt"]
    forward_wins = sum(n < 1 + m for n in ns for m in ms)
    assert "from 1 to 8" in alt and "from 1 to 16" in alt
    assert f"faster for {forward_wins} of the {len(ns) * len(ms)} pairs" in alt


def test_jacobian_times_slider_rejects_bad_sizes_and_missing_times():
    times, passes = _jacobian_data([1, 2], [1])
    with pytest.raises(ValueError, match="ns must be increasing whole numbers"):
        efficiency.jacobian_times_slider([2, 1], [1], times, passes)
    with pytest.raises(ValueError, match="times has no entry for .*'forward', 4, 1"):
        efficiency.jacobian_times_slider([1, 2, 4], [1], times, passes)
    times["reverse", 2, 1] = -1.0
    with pytest.raises(ValueError, match="positive seconds"):
        efficiency.jacobian_times_slider([1, 2], [1], times, passes)


def test_gradient_cost_curves_draws_every_curve_and_the_2n_line():
    n_reverse, n_small = [10, 100, 1000], [10, 30]
    ratios = {("a", "reverse mode"): [3.0, 2.0, 1.5], ("a", "forward mode"): [20.0, 60.0],
              ("a", "central differences"): [21.0, 61.0], ("b", "reverse mode"): [4.0, 3.0, 2.5]}
    fig = efficiency.gradient_cost_curves(ratios, n_reverse, n_small)
    curves = {trace.name: trace for trace in fig.data}
    assert list(curves) == ["a, reverse mode", "b, reverse mode", "a, forward mode", "a, central differences",
                            "2n (for comparison)"]
    for (name, method), values in ratios.items():
        trace = curves[f"{name}, {method}"]
        assert list(trace.y) == values
        assert list(trace.x) == (n_reverse if method == "reverse mode" else n_small)
    assert list(curves["2n (for comparison)"].y) == [20, 60]
    assert curves["a, reverse mode"].line.dash == "solid" and curves["a, forward mode"].line.dash == "dot"
    alt = fig.layout.meta["alt"]
    assert "stay between 1.5 and 4 times f" in alt
    assert "at n = 1,000 they are at 1.5, 2.5" in alt
    assert "grow by a factor of 2.9 to 3" in alt                           # 61 / 21 and 60 / 20
    assert fig.layout.xaxis.type == "log" == fig.layout.yaxis.type


def test_gradient_cost_curves_rejects_mismatched_lengths_and_unknown_methods():
    with pytest.raises(ValueError, match=r"must hold one positive ratio for each of the 3 sizes"):
        efficiency.gradient_cost_curves({("a", "reverse mode"): [1.0, 2.0]}, [1, 2, 3], [1])
    with pytest.raises(ValueError, match="method one of"):
        efficiency.gradient_cost_curves({("a", "backward"): [1.0]}, [1], [1])
    with pytest.raises(ValueError, match="'reverse mode'"):
        efficiency.gradient_cost_curves({("a", "forward mode"): [1.0]}, [1], [1])


def test_passes_and_times_html_lists_each_mode_and_names_the_faster():
    text = efficiency.passes_and_times_html(3, 40, [("forward", 3, 0, 1.5e-3), ("reverse", 1, 40, 6e-3)])
    assert "ℝ<sup>3</sup> → ℝ<sup>40</sup>" in text
    assert "<td style=\"padding: 0.2em 1em;\">forward mode</td>" in text
    assert "1.5 ms" in text and "6 ms" in text and ">40</td>" in text
    assert "Faster here: <b>forward mode</b> (0.25 × as long in forward mode as in reverse mode)" in text
    with pytest.raises(ValueError, match="rows must be"):
        efficiency.passes_and_times_html(3, 1, [("forward", 3, 1.0)])
    with pytest.raises(ValueError, match="positive seconds"):
        efficiency.passes_and_times_html(3, 1, [("forward", 3, 0, 0.0)])
