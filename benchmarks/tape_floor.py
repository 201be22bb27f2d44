"""Where the time of a reverse-mode gradient goes on the extended Rosenbrock function, in plain NumPy.

    python benchmarks/tape_floor.py            # n = 10⁶
    python benchmarks/tape_floor.py --n 100000

Times, interleaved with f as in ``run.py`` (same allocator settings, one thread), hand-written NumPy
versions of what any tape-based tool must do, next to calclib:

- ``f, 12 arrays held``: f while 12 other arrays of n floats are alive: live arrays alone cost nothing;
- ``f, no temporary reused``: f with every operation writing a new array, each freed at once: NumPy can no
  longer compute ``(...) ** 2`` in place into its temporary operand;
- ``forward keeping d, h``: f keeping only the two arrays its gradient needs, ``d = x[1:] - x[:-1]²`` and
  ``h = 1 - x[:-1]`` (a minimal tape): the arrays made after them are new memory, not the cache-warm
  temporaries just freed;
- ``forward keeping all 7``: f keeping every intermediate array, as calclib's graph does;
- ``backward by hand``: the fewest passes: -2h, 200d, x̄ from them (4 new arrays, 4 in-place passes);
- ``minimal tape + backward``: the two together, the floor for a NumPy tape;
- calclib's forward pass alone (``vjp``) and its gradient.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (sets the threads; re-exec below sets the allocator as run.py does)

if __name__ == "__main__" and any(os.environ.get(k) != v for k, v in run._ENV.items()):
    os.environ.update(run._ENV)
    os.execv(sys.executable, [sys.executable, *sys.argv])

import numpy as np  # noqa: E402

import calclib as cl  # noqa: E402


def rosen(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def no_temporary_reused(x):
    c = x[:-1] ** 2; keep = c; d = x[1:] - c; del c, keep          # noqa: E702  (a second reference to
    keep = d; e = d ** 2; del d, keep                              # noqa: E702   each operand stops NumPy
    keep = e; f1 = 100 * e; del e, keep                            # noqa: E702   from reusing it)
    h = 1 - x[:-1]; keep = h; k = h ** 2; del h, keep              # noqa: E702
    keep = (f1, k); m = f1 + k; del f1, k, keep                    # noqa: E702
    return np.sum(m)


def forward_keeping_d_h(x):
    c = x[:-1] ** 2; keep = c; d = x[1:] - c; del c, keep          # noqa: E702
    keep = d; e = d ** 2; del keep                                 # noqa: E702
    keep = e; f1 = 100 * e; del e, keep                            # noqa: E702
    h = 1 - x[:-1]; keep = h; k = h ** 2; del keep                 # noqa: E702
    keep = (f1, k); m = f1 + k; del f1, k, keep                    # noqa: E702
    return np.sum(m), (d, h)


def forward_keeping_all(x):
    c = x[:-1] ** 2; d = x[1:] - c; e = d ** 2; f1 = 100 * e       # noqa: E702
    h = 1 - x[:-1]; k = h ** 2; m = f1 + k                         # noqa: E702
    return np.sum(m), (c, d, e, f1, h, k, m)


def backward_by_hand(x, d, h):
    gd = np.multiply(d, 200.0)                 # ∂f/∂d
    xbar = np.empty(x.shape)
    xbar[0] = 0.0
    xbar[1:] = gd                              # through x[1:]
    t = np.multiply(x[:-1], -2.0)
    t *= gd                                    # through x[:-1]² (d = x[1:] - x[:-1]²)
    xbar[:-1] += t
    t = np.multiply(h, -2.0)                   # through (1 - x[:-1])²
    xbar[:-1] += t
    return xbar


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args()
    x = np.random.default_rng(0).normal(size=args.n)
    _, (d, h) = forward_keeping_d_h(x)
    assert np.allclose(backward_by_hand(x, d, h), cl.grad(rosen)(x))
    held: list = []
    grad = cl.grad(rosen)
    fns = {"f": lambda: rosen(x), "f, 12 arrays held": lambda: rosen(x),
           "f, no temporary reused": lambda: no_temporary_reused(x),
           "forward keeping d, h": lambda: forward_keeping_d_h(x), "forward keeping all 7": lambda: forward_keeping_all(x),
           "backward by hand": lambda: backward_by_hand(x, d, h),
           "minimal tape + backward": lambda: backward_by_hand(x, *forward_keeping_d_h(x)[1]),
           "calclib forward (vjp)": lambda: cl.vjp(rosen, x, retain_graph=False), "calclib grad": lambda: grad(x)}
    hold = fns["f, 12 arrays held"]

    def f_holding():
        held[:] = [np.ones(args.n) for _ in range(12)] if not held else held
        return hold()

    fns["f, 12 arrays held"] = f_holding
    times = run.measure(fns)
    held.clear()
    rows = [[name, statistics.median(t) * 1e3, run.spread(run.ratios(times, name, "f"))] for name, t in times.items()]
    run.table(f"Rosenbrock at n = {args.n:,}: plain NumPy versions of a tape's work, and calclib "
              f"(min–median–max over {run.ROUNDS} interleaved rounds)", ["what", "ms", "× f"], rows)


if __name__ == "__main__":
    main()
