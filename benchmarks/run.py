"""Speed and accuracy of calclib against the reference tools, measured side by side in one run.

    python3 dev.py bench            # installs benchmarks/requirements.txt, then runs this
    python benchmarks/run.py --quick

Prints one table per target, with ratios (never absolute targets in tests: machines differ, ratios
measured in the same run do not). Every timing is the median of several repeats.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Callable

import numpy as np

import calclib as cl


def median_time(fn: Callable[[], object], min_total: float = 0.2, repeats: int = 7) -> float:
    """Median seconds per call of ``fn`` (calls batched so each sample lasts at least min_total/repeats)."""
    fn()  # warm up (JAX compiles, caches fill)
    number, start = 1, time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(min_total / repeats / once))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


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

    rows = []
    for n in sizes:
        x = np.random.default_rng(0).normal(size=n)
        xj, xt = jnp.asarray(x), torch.tensor(x)
        t_f = median_time(lambda: rosen(x))
        t_cl = median_time(lambda: cl.grad(rosen)(x))
        t_ag = median_time(lambda: autograd.grad(lambda v: rosen(v, anp))(x))
        t_jax = median_time(lambda: jax.grad(lambda v: rosen(v, jnp))(xj).block_until_ready())
        t_torch = median_time(lambda: torch_grad(xt))
        rows.append([n, t_f * 1e6, t_cl * 1e6, t_cl / t_f, t_ag / t_f, t_jax / t_f, t_torch / t_f,
                     "yes" if t_cl < t_ag else "NO"])
    table("Reverse-mode gradient / f on the extended Rosenbrock (target: calclib ≤ 4 at n = 10⁶, faster than "
          "autograd at every n)",
          ["n", "f (µs)", "calclib grad (µs)", "calclib ×f", "autograd ×f", "JAX no-jit ×f", "torch ×f",
           "calclib faster than autograd"], rows)


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

    t_f = median_time(lambda: loss(*params))
    t_cl = median_time(lambda: vg(*params))
    t_ag = median_time(lambda: ag(params))
    t_torch = median_time(torch_vg)
    table("2-layer MLP value_and_grad / f (target: calclib ≤ 2.5 and faster than autograd)",
          ["f (ms)", "calclib ×f", "autograd ×f", "torch ×f", "calclib faster than autograd"],
          [[t_f * 1e3, t_cl / t_f, t_ag / t_f, t_torch / t_f, "yes" if t_cl < t_ag else "NO"]])


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
    t_micro = median_time(micrograd_step, min_total=2.0, repeats=3)
    t_cl = median_time(lambda: vg(W[0], b[0], W[1], b[1], W[2], b[2]))
    table("100-sample MLP(3, [16, 16, 1]) loss + backward (target: calclib ≥ 100× faster than micrograd)",
          ["micrograd (ms)", "calclib (ms)", "speed-up"], [[t_micro * 1e3, t_cl * 1e3, t_micro / t_cl]])


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
            t_fwd = median_time(lambda: cl.jacobian(f, mode="forward")(x), min_total=0.05, repeats=3)
            t_rev = median_time(lambda: cl.jacobian(f, mode="reverse")(x), min_total=0.05, repeats=3)
            rows.append([n, m, fwd_counts["forward passes"],
                         f"{rev_counts['forward passes']} + {rev_counts['backward passes']}",
                         t_fwd * 1e3, t_rev * 1e3, "forward" if t_fwd < t_rev else "reverse"])
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
    parser.add_argument("--quick", action="store_true", help="fewer sizes (a smoke test of the script)")
    args = parser.parse_args()
    import platform

    print(f"# calclib benchmarks — Python {platform.python_version()}, NumPy {np.__version__}, "
          f"{platform.machine()}, {__import__('os').cpu_count()} cores")
    sizes = [10, 1000, 100_000] if args.quick else [10, 100, 1000, 10_000, 100_000, 1_000_000]
    rosenbrock_ratios(sizes)
    mlp_ratios()
    micrograd_comparison()
    finite_difference_accuracy()
    jacobian_costs(args.quick)
    optimization_targets()


if __name__ == "__main__":
    main()
