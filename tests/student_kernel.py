"""Running notebooks as a student does: in a plain kernel (``.venv-student``: calclib and the scientific
stack, JupyterLab and nbgrader, but no jupyter-book, myst-nb or booktools), from a folder outside the book."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def student_python() -> Path:
    """The plain environment's Python, created (or updated) by dev.py when its requirements changed."""
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    return dev.ensure_student_environment()


def student_env() -> dict[str, str]:
    """Environment variables of a student's shell: the plain environment first on PATH (nbgrader runs
    alembic and the ``python3`` kernel from there), nothing of the book's environment."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH"}}
    env["PATH"] = f"{student_python().parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("MPLBACKEND", "Agg")
    return env


def run(*args: str | Path, cwd: Path, timeout: int = 1800) -> subprocess.CompletedProcess:
    """Run a command of the plain environment (``jupyter-execute``, ``nbgrader``, ``python``)."""
    exe = student_python().parent / str(args[0])
    result = subprocess.run([str(exe), *map(str, args[1:])], cwd=cwd, env=student_env(), capture_output=True,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} failed ({result.returncode}):\n{result.stdout[-3000:]}\n"
                             f"{result.stderr[-3000:]}")
    return result


def execute(nb: dict, workdir: Path, name: str) -> dict:
    """Execute a notebook top to bottom in the plain kernel (errors recorded, not raised); return it."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"{name}.ipynb"
    path.write_text(json.dumps(nb, ensure_ascii=False))
    run("jupyter-execute", "--inplace", "--allow-errors", "--timeout=600", "--kernel_name=python3", path.name,
        cwd=workdir)
    return json.loads(path.read_text())


def errors(nb: dict) -> list[tuple[dict, dict]]:
    """(cell, error output) for every code cell that raised."""
    return [(c, o) for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
            if o.get("output_type") == "error"]


NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def printed_text(cell: dict) -> str:
    """What a code cell printed or returned as text (streams and text/plain), for comparing runs."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            parts.append("".join(out["text"]) if isinstance(out["text"], list) else out["text"])
        elif out.get("output_type") in {"execute_result", "display_data"}:
            text = out.get("data", {}).get("text/plain")
            if text and not any(k.startswith(("image/", "application/vnd.plotly")) for k in out["data"]):
                parts.append("".join(text) if isinstance(text, list) else text)
    return "\n".join(parts)


def printed_numbers(cell: dict) -> list[float]:
    return [float(n) for n in NUMBER.findall(printed_text(cell))]


def _fingerprint(path: Path) -> str:
    """Hash of a chapter and of everything its run depends on in this repository (calclib's source)."""
    import hashlib

    digest = hashlib.sha256(path.read_bytes())
    for source in sorted((ROOT / "src" / "calclib").rglob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def executed_chapter(path: Path) -> dict:
    """The chapter executed in the book's environment (with myst-nb, so its glued numbers are recorded),
    cached in ``_build/test-cache`` by a hash of the chapter and calclib: the plain-kernel and nbgrader
    tests both need it."""
    from booktools.labs import execute_chapter

    cache = ROOT / "_build" / "test-cache" / f"{path.stem}-{_fingerprint(path)}.ipynb"
    if cache.exists():
        return json.loads(cache.read_text())
    nb = execute_chapter(path)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(nb, ensure_ascii=False))
    tmp.replace(cache)
    return nb


def chapter(path: Path):
    """booktools' Chapter for the tests: glued numbers from the executed chapter."""
    from booktools.labs import load_chapter

    return load_chapter(path, executed=executed_chapter(path))
