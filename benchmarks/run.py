"""Speed and accuracy of calclib against the reference tools, measured side by side in one run.

    python3 dev.py bench            # installs benchmarks/requirements.txt, then runs this
    python benchmarks/run.py --quick
    python benchmarks/memory.py     # memory, each tool in a fresh process
    python benchmarks/tape_floor.py # where a gradient's time goes: plain-NumPy tapes next to calclib

Prints one table per target, with ratios (never absolute targets in tests: machines differ, ratios
measured in the same run do not).

How timings are taken, so that every row is stable:

- one thread everywhere (OMP/OPENBLAS/MKL_NUM_THREADS=1 and XLA_FLAGS, set below before NumPy is
  imported; ``torch.set_num_threads(1)``);
- the tools of a row are **interleaved**: each round times every tool once, in a rotating order, so
  that a change of machine state (another process, the CPU clock) hits all of them alike; a ratio is
  taken within a round, and the table gives its min–median–max over the rounds;
- a sample is the process's CPU time (user + system, ``time.process_time``), not wall-clock time, so
  that time spent waiting while another process runs is not counted;
- each sample is a batch of calls lasting at least ``SAMPLE_SECONDS``, after one untimed call, so
  that it measures the tool in its own steady state (as a loop calling it would), not in the state
  of caches and free lists the previous tool left: f at n = 10⁶ took 7.7 or 10.6 ms depending on which
  tool ran before it, which moved every ratio by a third; the cycle collector is run before the sample
  and paused during it (as ``timeit`` does; calclib's graphs have no reference cycles, so this hides
  no work of calclib's);
- a row whose spread (max − min of calclib's ratio) is larger than its margin to the target is marked
  ``noisy``: its verdict could flip on a rerun;
- glibc's allocator keeps freed memory (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``,
  ``MALLOC_TOP_PAD_`` = 256 MiB; the script restarts itself once to set them).

That last point is what the "cliff" at n = 10⁵ was (calclib 29–32 × f there, 7 at 10⁴). By default
glibc hands large freed blocks back to the operating system, so a temporary array of 800 KB is often
page-faulted in anew, at a cost comparable to the arithmetic; how often depends on what else is loaded.
Importing torch halved f's time at n = 10⁵ (714 → 391 µs) and not calclib's gradient (3.6 → 4.1 ms), so
the ratio doubled for reasons outside both. With freed memory kept, every tool reuses its arrays, as a
long-running program does: f 293 µs, calclib 1.3 ms, ratio 4.6, with or without torch loaded.
(``benchmarks/memory.py`` measures memory with the default allocator.)
"""

from __future__ import annotations

import os
import sys

_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
        "MALLOC_MMAP_THRESHOLD_": str(2**28), "MALLOC_TRIM_THRESHOLD_": str(2**28), "MALLOC_TOP_PAD_": str(2**28)}
if __name__ == "__main__" and any(os.environ.get(k) != v for k, v in _ENV.items()):
    os.environ.update(_ENV)   # glibc reads its variables when a process starts: start again with them
    os.execv(sys.executable, [sys.executable, *sys.argv])
os.environ.update({k: v for k, v in _ENV.items() if k.endswith("THREADS")})   # when imported

import argparse
import gc
import statistics
import time
from typing import Callable

import numpy as np

import calclib as cl

SAMPLE_SECONDS = 0.05   # each timed sample lasts at least this long
ROUNDS = 9              # interleaved rounds per row


def _per_call(fn: Callable[[], object], number: int) -> float:
    """CPU seconds per call of ``fn`` over ``number`` calls, after one untimed call (the first call after
    another tool ran pays for the caches and free lists that tool left), the cycle collector paused (as
    timeit does)."""
    fn()
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        for _ in range(number):
            fn()
        return (time.process_time() - start) / number
    finally:
        gc.enable()


def measure(fns: dict[str, Callable[[], object]], rounds: int | None = None) -> dict[str, list[float]]:
    """Interleaved timings: ``rounds`` rounds, each timing every function once (rotating the order).

    Returns, per name, the seconds per call in each round (round k of every list is the same round).
    """
    numbers = {}
    for name, fn in fns.items():            # warm up (JAX compiles, caches fill), then size the batches
        fn()
        once = max(_per_call(fn, 1), 1e-7)
        numbers[name] = max(1, int(SAMPLE_SECONDS / once))
    rounds = rounds or ROUNDS
    names = list(fns)
    times: dict[str, list[float]] = {name: [0.0] * rounds for name in names}
    for k in range(rounds):
        for name in names[k % len(names):] + names[:k % len(names)]:
            times[name][k] = _per_call(fns[name], numbers[name])
    return times


def ratios(times: dict[str, list[float]], name: str, base: str) -> list[float]:
    """``name``'s time over ``base``'s, round by round."""
    return [a / b for a, b in zip(times[name], times[base])]


def spread(values: list[float]) -> str:
    """min–median–max, 3 significant digits."""
    return f"{min(values):.3g}–{statistics.median(values):.3g}–{max(values):.3g}"


def verdict(values: list[float], bound: float | None) -> str:
    """``ok``/``NO`` against an upper bound, ``noisy`` when the spread is larger than the margin."""
    if bound is None:
        return "-"
    med = statistics.median(values)
    word = "ok" if med <= bound else "NO"
    if max(values) - min(values) > abs(bound - med):
        word += f" (noisy: spread {max(values) - min(values):.2g} > margin {abs(bound - med):.2g})"
    return word


def wins(times: dict[str, list[float]], name: str, other: str) -> str:
    """In how many rounds ``name`` was faster than ``other``."""
    k = sum(a < b for a, b in zip(times[name], times[other]))
    return f"{'yes' if k == len(times[name]) else ('NO' if k == 0 else 'mixed')} ({k}/{len(times[name])})"


def table(title: str, header: list[str], rows: list[list[object]]) -> None:
    cells = [header] + [[f"{c:.3g}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n## {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(cells[0], widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    sys.stdout.flush()


# ------------------------------------------------------------------------------------------------
def rosenbrock_ratios(sizes: list[int]) -> None:
    """Reverse-mode gradient time / function time on the extended Rosenbrock function."""
    import autograd
    import autograd.numpy as anp
    import jax
    import jax.numpy as jnp
    import torch

    jax.config.update("jax_enable_x64", True)
    torch.set_num_threads(1)

    def rosen(x, xp=np):
        return xp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    def torch_grad(xt):
        xt = xt.detach().requires_grad_(True)
        rosen(xt, torch).backward()
        return xt.grad

    cl_grad = cl.grad(rosen)
    ag_grad = autograd.grad(lambda v: rosen(v, anp))
    jax_grad = jax.grad(lambda v: rosen(v, jnp))
    rows = []
    for n in sizes:
        x = np.random.default_rng(0).normal(size=n)
        xj, xt = jnp.asarray(x), torch.tensor(x)
        times = measure({"f": lambda: rosen(x), "calclib": lambda: cl_grad(x), "autograd": lambda: ag_grad(x),
                         "jax": lambda: jax_grad(xj).block_until_ready(), "torch": lambda: torch_grad(xt)})
        bound = 4.0 if n >= 1_000_000 else (8.0 if n >= 10_000 else None)
        cl_ratio = ratios(times, "calclib", "f")
        rows.append([n, statistics.median(times["f"]) * 1e6, spread(cl_ratio), spread(ratios(times, "autograd", "f")),
                     f"{statistics.median(ratios(times, 'jax', 'f')):.3g}",
                     f"{statistics.median(ratios(times, 'torch', 'f')):.3g}",
                     "-" if bound is None else f"≤ {bound:g}", verdict(cl_ratio, bound),
                     wins(times, "calclib", "autograd")])
    table(f"Reverse-mode gradient / f on the extended Rosenbrock (min–median–max over {ROUNDS} interleaved rounds; "
          "targets: calclib ≤ 4 at n = 10⁶, ≤ 8 at n ≥ 10⁴, faster than autograd at every n)",
          ["n", "f (µs)", "calclib ×f", "autograd ×f", "JAX no-jit ×f", "torch ×f", "target", "calclib meets it",
           "calclib faster than autograd (rounds)"], rows)


def mlp_ratios() -> None:
    """value_and_grad / f for a 2-layer tanh MLP with MSE (X 1000×100, 256 hidden units)."""
    import autograd
    import autograd.numpy as anp
    import torch

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(1000, 100)), rng.normal(size=(1000, 1))
    params = [rng.normal(size=(100, 256)) * 0.1, np.zeros(256), rng.normal(size=(256, 1)) * 0.1, np.zeros(1)]

    def loss(W1, b1, W2, b2, xp=np):
        H = xp.tanh(X @ W1 + b1)
        return xp.mean((H @ W2 + b2 - Y) ** 2)

    vg = cl.value_and_grad(loss, argnums=(0, 1, 2, 3))
    ag = autograd.value_and_grad(lambda p: loss(*p, xp=anp))
    Xt, Yt = torch.tensor(X), torch.tensor(Y)

    def torch_vg():
        ps = [torch.tensor(p, requires_grad=True) for p in params]
        value = torch.mean((torch.tanh(Xt @ ps[0] + ps[1]) @ ps[2] + ps[3] - Yt) ** 2)
        value.backward()
        return value, [p.grad for p in ps]

    times = measure({"f": lambda: loss(*params), "calclib": lambda: vg(*params), "autograd": lambda: ag(params),
                     "torch": torch_vg})
    cl_ratio = ratios(times, "calclib", "f")
    table(f"2-layer MLP value_and_grad / f (min–median–max over {ROUNDS} interleaved rounds; target: calclib ≤ 2.5 "
          "and faster than autograd)",
          ["f (ms)", "calclib ×f", "autograd ×f", "torch ×f", "calclib meets ≤ 2.5", "calclib faster than autograd"],
          [[statistics.median(times["f"]) * 1e3, spread(cl_ratio), spread(ratios(times, "autograd", "f")),
            spread(ratios(times, "torch", "f")), verdict(cl_ratio, 2.5), wins(times, "calclib", "autograd")]])


def linalg_ratios(quick: bool) -> None:
    """Reverse-mode gradient / f for norm, einsum and solve at n = 10⁶ entries (1000×1000 matrices).

    Each case is a scalar function of its arguments, differentiated with respect to all of them. "By hand" is
    the same value and gradient written out in NumPy (SciPy's LU for solve), without AD: the floor of any
    tool. It is about 3 for the norms and the contractions: the gradient's forward pass is f itself, and each
    gradient of 10⁶ entries is a new array to write (writing 8 MB costs about twice what reading it in f
    does), or one more matrix product of the size of f's.
    """
    import autograd
    import autograd.numpy as anp
    import jax
    import jax.numpy as jnp
    import scipy.linalg
    import torch

    jax.config.update("jax_enable_x64", True)
    torch.set_num_threads(1)
    n, m = (100_000, 300) if quick else (1_000_000, 1000)
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    A, B = rng.normal(size=(m, m)), rng.normal(size=(m, m))
    A_solve, b = rng.normal(size=(m, m)) + m ** 0.5 * np.eye(m), rng.normal(size=m)

    def hand_solve(a, v):                      # SciPy's LU once, then two O(n²) solves and an outer product
        lu = scipy.linalg.lu_factor(a)
        x_, b_bar = scipy.linalg.lu_solve(lu, v), scipy.linalg.lu_solve(lu, np.ones_like(v), trans=1)
        return np.sum(x_), (-np.outer(b_bar, x_), b_bar)

    def hand_matmul(a, c):
        ones = np.ones((a.shape[0], c.shape[1]))
        return np.sum(np.einsum("ij,jk->ik", a, c, optimize=True)), (ones @ c.T, a.T @ ones)

    # (label, f(xp, *args), args, the same f for torch, the gradient written by hand in NumPy: the floor)
    cases = [
        (f"‖x‖, x of {n:,} entries", lambda xp, v: xp.linalg.norm(v), (x,), lambda v: torch.linalg.norm(v),
         lambda v: (lambda y: (y, v * (1 / y)))(np.linalg.norm(v))),
        (f"‖A‖_F, A {m}×{m}", lambda xp, a: xp.linalg.norm(a), (A,), lambda a: torch.linalg.norm(a),
         lambda a: (lambda y: (y, a * (1 / y)))(np.linalg.norm(a))),
        (f"einsum('ij,ij->', A, B), {m}×{m}", lambda xp, a, c: xp.einsum("ij,ij->", a, c), (A, B),
         lambda a, c: torch.einsum("ij,ij->", a, c), lambda a, c: (np.einsum("ij,ij->", a, c), (c.copy(), a.copy()))),
        (f"Σ einsum('ij,jk->ik', A, B, optimize=True), {m}×{m}",
         lambda xp, a, c: xp.sum(xp.einsum("ij,jk->ik", a, c, optimize=True)),
         (A, B), lambda a, c: torch.sum(torch.einsum("ij,jk->ik", a, c)), hand_matmul),
        (f"Σ solve(A, b), A {m}×{m}", lambda xp, a, v: xp.sum(xp.linalg.solve(a, v)), (A_solve, b),
         lambda a, v: torch.sum(torch.linalg.solve(a, v)), hand_solve),
    ]
    bound = 3.0
    rows = []
    for label, f, args, f_torch, by_hand in cases:
        argnums = tuple(range(len(args)))
        cl_grad = cl.grad(lambda *a, f=f: f(np, *a), argnums=argnums)
        ag_grad = autograd.grad(lambda a, f=f: f(anp, *a))
        jax_grad = jax.grad(lambda *a, f=f: f(jnp, *a), argnums=argnums)
        jargs, targs = [jnp.asarray(a) for a in args], [torch.tensor(a) for a in args]

        def torch_grad(f_torch=f_torch, targs=targs):
            leaves = [t.detach().requires_grad_(True) for t in targs]
            f_torch(*leaves).backward()
            return [t.grad for t in leaves]

        times = measure({"f": lambda f=f, args=args: f(np, *args), "calclib": lambda g=cl_grad, args=args: g(*args),
                         "by hand": lambda h=by_hand, args=args: h(*args),
                         "autograd": lambda g=ag_grad, args=args: g(list(args)),
                         "jax": lambda g=jax_grad, a=jargs: jax.block_until_ready(g(*a)), "torch": torch_grad})
        cl_ratio = ratios(times, "calclib", "f")
        rows.append([label, statistics.median(times["f"]) * 1e3, spread(cl_ratio),
                     f"{statistics.median(ratios(times, 'by hand', 'f')):.3g}", spread(ratios(times, "autograd", "f")),
                     f"{statistics.median(ratios(times, 'jax', 'f')):.3g}",
                     f"{statistics.median(ratios(times, 'torch', 'f')):.3g}", f"≤ {bound:g}",
                     verdict(cl_ratio, bound)])
    table(f"Reverse-mode gradient (w.r.t. every argument) / f for norm, einsum and solve (min–median–max over "
          f"{ROUNDS} interleaved rounds; target: calclib ≤ 3 at n = 10⁶ entries)",
          ["f", "f (ms)", "calclib ×f", "by hand ×f", "autograd ×f", "JAX no-jit ×f", "torch ×f", "target",
           "calclib meets it"],
          rows)


def micrograd_comparison() -> None:
    """The same 100-sample MLP(3, [16, 16, 1]) loss + backward: micrograd (scalars) vs calclib (arrays)."""
    from micrograd.engine import Value
    from micrograd.nn import MLP

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(100, 3)), rng.normal(size=100)
    model = MLP(3, [16, 16, 1])

    def micrograd_step():
        model.zero_grad()
        preds = [model([Value(float(v)) for v in row]) for row in X]
        loss = sum(((p - float(t)) ** 2 for p, t in zip(preds, y)), Value(0.0))
        loss.backward()
        return loss

    # The same network as arrays: micrograd's hidden neurons use ReLU and its last layer is linear.
    W = [rng.normal(size=(3, 16)), rng.normal(size=(16, 16)), rng.normal(size=(16, 1))]
    b = [np.zeros(16), np.zeros(16), np.zeros(1)]

    def loss(W1, b1, W2, b2, W3, b3):
        h = np.maximum(X @ W1 + b1, 0)
        h = np.maximum(h @ W2 + b2, 0)
        return np.sum((h @ W3 + b3 - y[:, None]) ** 2)

    vg = cl.value_and_grad(loss, argnums=(0, 1, 2, 3, 4, 5))
    times = measure({"micrograd": micrograd_step, "calclib": lambda: vg(W[0], b[0], W[1], b[1], W[2], b[2])},
                    rounds=3)
    speedup = ratios(times, "micrograd", "calclib")
    table("100-sample MLP(3, [16, 16, 1]) loss + backward (3 interleaved rounds; target: calclib ≥ 100× faster "
          "than micrograd)", ["micrograd (ms)", "calclib (ms)", "speed-up (min–median–max)", "meets ≥ 100"],
          [[statistics.median(times["micrograd"]) * 1e3, statistics.median(times["calclib"]) * 1e3, spread(speedup),
            "ok" if min(speedup) >= 100 else ("NO" if max(speedup) < 100 else "noisy")]])


def finite_difference_accuracy() -> None:
    """Relative errors of the difference modes with their own step (targets from issue 3)."""
    import numdifftools as nd

    cases = [("exp(x) sin(x) at 0.7", lambda x: np.exp(x) * np.sin(x), lambda x: np.exp(x) * (np.sin(x) + np.cos(x)), 0.7),
             ("x^4.5 at 1.5", lambda x: x ** 4.5, lambda x: 4.5 * x ** 3.5, 1.5)]
    targets = {"central": 1e-9, "richardson": 1e-12, "complex-step": 1e-15}
    rows = []
    for label, f, df, x in cases:
        exact = df(x)
        for mode, target in targets.items():
            counter = cl.finite_diff.CountingFunction(f) if hasattr(cl.finite_diff, "CountingFunction") else f
            value = cl.derivative(counter, mode=mode)(x)
            calls = getattr(counter, "calls", getattr(counter, "count", "?"))
            err = abs(value - exact) / abs(exact)
            rows.append([label, mode, err, target, calls, "yes" if err <= target else "NO"])
        calls = [0]

        def counted(v, f=f):
            calls[0] += 1
            return f(v)

        value = nd.Derivative(counted)(x)
        rows.append([label, "numdifftools default", abs(value - exact) / abs(exact), "-", calls[0], "-"])
    table("Finite differences with their own step: relative error", ["function", "mode", "rel. error", "target",
                                                                      "evaluations", "meets target"], rows)


def jacobian_costs(quick: bool) -> None:
    """Forward vs reverse mode for Jacobians of f: Rⁿ → Rᵐ (passes and time), as n and m vary."""
    rng = np.random.default_rng(0)
    sizes = [1, 4, 16, 64] if quick else [1, 4, 16, 64, 256]
    rows = []
    for n in sizes:
        for m in sizes:
            A = rng.normal(size=(m, n))

            def f(x, A=A):
                return np.tanh(A @ np.sin(x))

            x = rng.normal(size=n)
            with cl.api.count_passes() as fwd_counts:
                cl.jacobian(f, mode="forward")(x)
            with cl.api.count_passes() as rev_counts:
                cl.jacobian(f, mode="reverse")(x)
            times = measure({"forward": lambda: cl.jacobian(f, mode="forward")(x),
                             "reverse": lambda: cl.jacobian(f, mode="reverse")(x)}, rounds=3)
            t_fwd, t_rev = statistics.median(times["forward"]), statistics.median(times["reverse"])
            faster = wins(times, "forward", "reverse")
            rows.append([n, m, fwd_counts["forward passes"],
                         f"{rev_counts['forward passes']} + {rev_counts['backward passes']}",
                         t_fwd * 1e3, t_rev * 1e3,
                         "forward" if faster.startswith("yes") else ("reverse" if faster.startswith("NO") else
                                                                     "either (mixed rounds)")])
    table("Jacobian of f: Rⁿ → Rᵐ, f(x) = tanh(A sin x): forward mode needs n passes, reverse 1 + m",
          ["n", "m", "forward passes", "reverse passes (fwd + bwd)", "forward (ms)", "reverse (ms)", "faster"],
          rows)


def optimization_targets() -> None:
    """Newton with line search and gradient descent with momentum on Rosenbrock from (−1.2, 1) (issue 5)."""
    if not hasattr(cl, "optimize"):
        return
    import scipy.optimize as so

    opt, land = cl.optimize, cl.landscapes
    x0 = np.array([-1.2, 1.0])
    rows = []
    res = opt.newton(land.rosenbrock, x0, steps=100, tol=1e-12, line_search="armijo")
    err = float(np.linalg.norm(np.asarray(res.x) - 1))
    hit = next((k for k, p in enumerate(res.path) if np.linalg.norm(np.asarray(p) - 1) < 1e-8), None)
    rows.append(["calclib newton + armijo", hit, err, "≤ 25"])
    for method in ("trust-exact", "Newton-CG"):
        r = so.minimize(lambda p: land.rosenbrock(p), x0, jac=lambda p: cl.grad(land.rosenbrock)(p),
                        hess=lambda p: cl.hessian(land.rosenbrock)(p), method=method)
        rows.append([f"scipy {method}", r.nit, float(np.linalg.norm(r.x - 1)), "-"])
    table("Newton on Rosenbrock from (−1.2, 1): iterations to ‖x − (1, 1)‖ < 1e-8",
          ["method", "iterations", "final ‖x − (1,1)‖", "target"], rows)
    grad = land.rosenbrock_gradient if hasattr(land, "rosenbrock_gradient") else None
    plain = opt.gradient_descent(land.rosenbrock, x0, 1e-3, steps=50_000, tol=1e-6, grad=grad)
    rows = [["plain, step 1e-3", plain.nit, plain.converged]]
    for momentum, lr in ((0.9, 1e-3), (0.95, 1e-3)):
        r = opt.gradient_descent(land.rosenbrock, x0, lr, steps=50_000, tol=1e-6, momentum=momentum, grad=grad)
        rows.append([f"momentum {momentum}, step {lr}", r.nit, r.converged])
    table(f"Gradient descent on Rosenbrock from (−1.2, 1) to ‖∇f‖ < 1e-6 (target with momentum: < "
          f"{plain.nit / 5:.0f}, a fifth of plain)", ["method", "iterations", "converged"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer sizes and rounds (a smoke test of the script)")
    parser.add_argument("--only", choices=["rosenbrock", "mlp", "linalg", "micrograd", "fd", "jacobian", "optimize"],
                        help="run one table only")
    args = parser.parse_args()
    import platform

    print(f"# calclib benchmarks — Python {platform.python_version()}, NumPy {np.__version__}, "
          f"{platform.machine()}, {os.cpu_count()} cores (1 thread used), load average "
          f"{os.getloadavg()[0]:.2f} at the start")
    global ROUNDS
    if args.quick:
        ROUNDS = 3
    sizes = [10, 1000, 100_000] if args.quick else [10, 100, 1000, 10_000, 100_000, 1_000_000]
    tables = {"rosenbrock": lambda: rosenbrock_ratios(sizes), "mlp": mlp_ratios,
              "linalg": lambda: linalg_ratios(args.quick), "micrograd": micrograd_comparison,
              "fd": finite_difference_accuracy, "jacobian": lambda: jacobian_costs(args.quick),
              "optimize": optimization_targets}
    for name, run in tables.items():
        if args.only in (None, name):
            run()


if __name__ == "__main__":
    main()
