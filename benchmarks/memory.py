"""Memory added by one gradient of sum(sin(x)²) at n = 10⁷, each tool in its own fresh process.

    python benchmarks/memory.py            # n = 10⁷ (an array is 76 MiB)
    python benchmarks/memory.py --n 1000000

Two measures, both of what the call *adds* on top of the input x (already in memory):

- peak RSS: the process's peak resident memory during the call minus its resident memory just before
  (``ru_maxrss``; valid because the call's peak is far above anything the imports touched);
- tracemalloc: the peak of Python-visible allocations during the call (NumPy arrays are counted;
  JAX's and torch's own allocators are not, so the column is blank for them).

"copies" divides by the size of one float64 array of n entries: a hand-written NumPy gradient
(2 sin x cos x) needs 2.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"   # before NumPy is imported, as in run.py

import argparse
import json
import resource
import subprocess
import sys

TOOLS = ("numpy by hand", "calclib", "autograd", "jax (no jit)", "torch")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child(tool: str, n: int) -> dict:
    """Run in a fresh process: set up ``tool``, then measure one gradient at n."""
    import tracemalloc

    import numpy as np

    x = np.random.default_rng(0).normal(size=n)
    if tool == "numpy by hand":
        def grad(v):
            s = np.sin(v)
            s *= np.cos(v)
            s *= 2.0
            return s
        arg = x
    elif tool == "calclib":
        import calclib as cl

        grad, arg = cl.grad(lambda v: np.sum(np.sin(v) ** 2)), x
    elif tool == "autograd":
        import autograd
        import autograd.numpy as anp

        grad, arg = autograd.grad(lambda v: anp.sum(anp.sin(v) ** 2)), x
    elif tool == "jax (no jit)":
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        jgrad = jax.grad(lambda v: jnp.sum(jnp.sin(v) ** 2))
        arg = jnp.asarray(x)
        del x

        def grad(v):
            return jgrad(v).block_until_ready()
    elif tool == "torch":
        import torch

        torch.set_num_threads(1)
        arg = torch.tensor(x)
        del x

        def grad(v):
            v = v.detach().requires_grad_(True)
            (torch.sin(v) ** 2).sum().backward()
            return v.grad
    else:
        raise ValueError(tool)
    small = arg[:10]
    grad(small)   # warm up: imports, caches, compilation of small kernels
    before_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    before = _rss_bytes()
    traced = tool not in ("jax (no jit)", "torch")
    if traced:
        tracemalloc.start()
    result = grad(arg)
    peak_traced = tracemalloc.get_traced_memory()[1] if traced else None
    after_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    del result
    return {"tool": tool, "rss_added": after_peak - before if after_peak > before_peak else None,
            "traced_added": peak_traced}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of: " + ", ".join(TOOLS))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.n)))
        return
    array_mib = 8 * args.n / 2**20
    print(f"\n## Memory added by grad of sum(sin(x)²) at n = {args.n:,} (one array: {array_mib:.0f} MiB), "
          f"each tool in a fresh process\n")
    print("| tool | peak RSS added (MiB) | copies | tracemalloc peak (MiB) | copies |")
    print("|---|---|---|---|---|")
    for tool in args.tools.split(","):
        run = subprocess.run([sys.executable, __file__, "--n", str(args.n), "--child", tool],
                             capture_output=True, text=True, env=os.environ.copy())
        if run.returncode != 0:
            print(f"| {tool} | failed: {run.stderr.strip().splitlines()[-1][:80]} | | | |")
            continue
        r = json.loads(run.stdout.strip().splitlines()[-1])
        rss = "n/a" if r["rss_added"] is None else f"{r['rss_added'] / 2**20:.0f}"
        rss_c = "" if r["rss_added"] is None else f"{r['rss_added'] / 2**20 / array_mib:.1f}"
        tm = "" if r["traced_added"] is None else f"{r['traced_added'] / 2**20:.0f}"
        tm_c = "" if r["traced_added"] is None else f"{r['traced_added'] / 2**20 / array_mib:.1f}"
        print(f"| {tool} | {rss} | {rss_c} | {tm} | {tm_c} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
