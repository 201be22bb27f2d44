"""calclib.plotting.neuron: the figures hold the data they were given, checked against the formulas."""

import numpy as np
import pytest

from calclib.plotting import neuron


def _data(steps=(0, 5, 20)):
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(2, 30))
    gx, gy = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 1, 4))
    w = {k: np.array([0.1 * k, -0.05 * k]) for k in steps}
    surfaces = [w[k][0] * gx + w[k][1] * gy for k in steps]
    titles = [f"after {k} steps: ŷ = {w[k][0]:.2f} x₁ + {w[k][1]:.2f} x₂" for k in steps]
    return xy, (gx, gy), surfaces, titles, w


def test_training_animation_has_one_frame_per_step_with_that_steps_surface():
    steps = (0, 5, 20)
    xy, grid, surfaces, titles, w = _data(steps)
    z = 2 * xy[0] - xy[1]
    fig = neuron.training_animation([("data", xy, z, "black")], grid, surfaces, steps, titles,
                                    alt="A plane fitted to points.", surface_name="prediction")
    assert [f.name for f in fig.frames] == [str(k) for k in steps]
    gx, gy = grid
    for frame, k in zip(fig.frames, steps):
        expected = w[k][0] * gx + w[k][1] * gy          # the plane, computed again from the weights
        np.testing.assert_allclose(np.asarray(frame.data[0].z, dtype=float), expected, atol=1e-4)
        assert frame.traces == (1,)                      # the surface comes after the one group of points
        assert f"{w[k][0]:.2f}" in frame.layout.title.text
    np.testing.assert_allclose(fig.data[0].z, z)
    assert [s.label for s in fig.layout.sliders[0].steps] == [str(k) for k in steps]
    assert "0, 5, 20 steps" in fig.layout.meta["alt"]
    assert fig.layout.updatemenus[0].buttons[0].method == "animate"


def test_training_animation_refuses_mismatched_input():
    xy, grid, surfaces, titles, _ = _data()
    with pytest.raises(ValueError, match="one surface and one title per step"):
        neuron.training_animation([], grid, surfaces[:2], (0, 5, 20), titles, alt="x", surface_name="s")
    with pytest.raises(ValueError, match="grid's shape"):
        neuron.training_animation([], grid, [s[:, :2] for s in surfaces], (0, 5, 20), titles, alt="x",
                                  surface_name="s")
    with pytest.raises(ValueError, match=r"shape \(2, n\)"):
        neuron.training_animation([("data", xy.T, xy[0], "k")], grid, surfaces, (0, 5, 20), titles,
                                  alt="x", surface_name="s")


def test_training_panel_draws_the_decision_boundary_of_the_weights():
    rng = np.random.default_rng(1)
    inputs = rng.normal(size=(2, 40))
    labels = (inputs[0] + inputs[1] > 0).astype(float)
    w, b = np.array([[1.5, -2.0]]), 0.5
    values = np.exp(-np.arange(10.0))
    fig = neuron.training_panel(values, 0.0, inputs, labels, w, b)
    left, right = fig.axes
    np.testing.assert_allclose(left.lines[0].get_ydata(), values + 1e-16)
    boundary = right.lines[0]
    x1, x2 = boundary.get_xdata(), boundary.get_ydata()
    np.testing.assert_allclose(1.5 * x1 - 2.0 * x2 + b, 0.0, atol=1e-12)   # on w·x + b = 0
    with pytest.raises(ValueError, match="n labels"):
        neuron.training_panel(values, 0.0, inputs, labels[:-1], w, b)
