"""Tests of calclib.measure: CPU time of calls, batched, repeated, medians."""

from __future__ import annotations

import time

import pytest

from calclib import measure


def _work(n: int) -> int:
    """A pure-Python loop whose CPU time is proportional to n."""
    total = 0
    for k in range(n):
        total += k * k
    return total


def test_the_clock_is_cpu_time_so_sleeping_costs_nothing():
    assert measure.clock is time.process_time
    seconds, result = measure.median_time(lambda: time.sleep(0.002) or "slept", repeats=3, min_sample=1e-3)
    assert result == "slept"
    assert seconds < 0.001          # the wall clock would give ≥ 0.002 s per call


class FakeClock:
    """A clock that moves only when a computation says it has cost time: timings without a busy machine."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def costing(self, seconds, spikes=()):
        """A computation that costs ``seconds`` per call, and 100 × that on the calls numbered in ``spikes``."""
        calls = []

        def fn():
            calls.append(1)
            self.now += seconds * (100 if len(calls) in spikes else 1)
            return len(calls)
        return fn


def test_twice_the_work_measures_twice_as_long_and_a_slow_sample_does_not_move_the_median(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(measure, "clock", clock)
    # 1e-3 s per call fills a 2e-3 s sample with 2 calls; the spike falls in one sample of the five.
    assert measure.median_ratio(clock.costing(2e-3, spikes={4}), clock.costing(1e-3), repeats=5) == pytest.approx(2)
    seconds, first = measure.median_time(clock.costing(1e-3, spikes={3}), repeats=5)
    assert seconds == pytest.approx(1e-3) and first == 1          # the warm-up call's result


def test_the_ratio_is_of_fn_to_reference_not_the_other_way(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(measure, "clock", clock)
    assert measure.median_ratio(clock.costing(1e-4), clock.costing(1e-3), repeats=3) == pytest.approx(0.1)


def test_twice_the_work_costs_more_cpu_time_on_the_real_clock():
    ratio = measure.median_ratio(lambda: _work(80_000), lambda: _work(10_000), repeats=5)
    assert ratio > 2               # 8 × the work: far from the noise of a busy machine


def test_warm_up_returns_the_result_and_a_batch_that_fills_the_sample():
    result, number = measure.warm_up(lambda: _work(1_000), min_sample=5e-3)
    assert result == sum(k * k for k in range(1_000))
    assert number > 1
    per_call = measure.sample(lambda: _work(1_000), number)
    assert number * per_call > 5e-3 / 3      # about min_sample, allowing for a slower first call
    _, slow = measure.warm_up(lambda: _work(200_000), min_sample=1e-6)
    assert slow == 1                         # a call longer than the sample is not batched


def test_sample_calls_the_function_exactly_number_times():
    calls = []
    measure.sample(lambda: calls.append(1), 17)
    assert len(calls) == 17
    calls.clear()
    measure.median_time(lambda: calls.append(1), repeats=4, min_sample=1e-9)
    assert len(calls) == 1 + 4               # the warm-up call and 4 samples of one call each


def test_median_time_returns_the_median_of_the_samples(monkeypatch):
    samples = iter([0.5, 0.1, 0.3, 9.0, 0.2])
    monkeypatch.setattr(measure, "sample", lambda fn, number: next(samples))
    assert measure.median_time(lambda: None, repeats=5)[0] == 0.3
    ratios = iter([1.0, 2.0, 1.0, 8.0, 1.0, 1.0])     # fn, reference, fn, reference, ...: 0.5, 0.125, 1
    monkeypatch.setattr(measure, "sample", lambda fn, number: next(ratios))
    assert measure.median_ratio(lambda: None, lambda: None, repeats=3) == 0.5


@pytest.mark.parametrize("call, message", [
    (lambda: measure.median_time(42), "function of no arguments"),
    (lambda: measure.median_ratio(lambda: 1, "f"), "reference must be a function"),
    (lambda: measure.warm_up(lambda: 1, min_sample=0), "min_sample must be a number of seconds > 0"),
    (lambda: measure.median_time(lambda: 1, repeats=0), "repeats must be a whole number ≥ 1"),
    (lambda: measure.median_ratio(lambda: 1, lambda: 1, repeats=2.5), "repeats must be a whole number"),
    (lambda: measure.sample(lambda: 1, -3), "number must be a whole number ≥ 1"),
])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
