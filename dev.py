#!/usr/bin/env python3
"""The project's commands. Needs only Python >= 3.11; creates its own environment in ``.venv``.

    python3 dev.py book     build the website into _build/html (executes every notebook, warnings are errors)
    python3 dev.py test     run every test: calclib's unit tests, nbval on every notebook, the website test
    python3 dev.py integration   the slow end-to-end checks: every chapter, key and student notebook in a
                            student's plain kernel, and the real nbgrader round trip of every lab
    python3 dev.py lab      open the chapters in JupyterLab
    python3 dev.py strip    remove outputs from the chapter notebooks before committing
    python3 dev.py labs     write the student notebooks and instructor keys into _build/labs
    python3 dev.py bench    run benchmarks/ (installs benchmarks/requirements.txt first)

``make book``, ``make test``, ... do the same.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
REQUIREMENTS = [ROOT / "requirements.txt", ROOT / "requirements-test.txt"]
STAMP = VENV / ".requirements-stamp"
# A student's plain kernel (calclib and the scientific stack, no jupyter-book or myst-nb) with nbgrader.
STUDENT_VENV = ROOT / ".venv-student"
STUDENT_REQUIREMENTS = ROOT / "requirements-student.txt"


def run(*args: str | Path, **kwargs) -> None:
    """Run a command, echo it, and stop with its exit code if it fails."""
    print("+", " ".join(str(a) for a in args), flush=True)
    result = subprocess.run([str(a) for a in args], cwd=ROOT, **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def requirements_hash(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in [*files, ROOT / "pyproject.toml"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def python_of(env: Path) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / ("python.exe" if os.name == "nt" else "python")


def ensure_environment(extra: list[Path] | None = None, env: Path = VENV,
                       requirements: list[Path] | None = None) -> None:
    """Create the environment ``env`` (default ``.venv``) if missing, and install its requirements if they
    changed since the last install."""
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed, this is {sys.version.split()[0]}: run `python3.11 dev.py ...`")
    files = (requirements or REQUIREMENTS) + (extra or [])
    python, stamp = python_of(env), env / ".requirements-stamp"
    if not python.exists():
        print(f"Creating the environment in {env} ...", flush=True)
        try:
            venv.EnvBuilder(with_pip=True).create(env)
        except Exception as exc:  # e.g. Debian without python3-venv
            sys.exit(f"Could not create {env}: {exc}\nOn Debian/Ubuntu: apt install python3-venv")
    wanted = requirements_hash(files)
    if stamp.exists() and stamp.read_text() == wanted:
        return
    print(f"Installing the requirements into {env.name} (about a minute the first time) ...", flush=True)
    run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(python, "-m", "pip", "install", "--quiet", *(a for f in files for a in ("-r", f)))
    stamp.write_text(wanted)


def ensure_student_environment() -> Path:
    """The plain kernel of the tests (``.venv-student``): what a student has in JupyterLab, Binder or Colab."""
    ensure_environment(env=STUDENT_VENV, requirements=[STUDENT_REQUIREMENTS])
    return python_of(STUDENT_VENV)


def book(*extra_args: str) -> None:
    """Build the website from scratch: every notebook executed, any warning fails the build."""
    ensure_environment()
    shutil.rmtree(ROOT / "_build" / "html", ignore_errors=True)
    run(BIN / "jupyter-book", "build", ".", "--all", "-W", "--keep-going", *extra_args)
    print(f"\nThe website is in {ROOT / '_build' / 'html'}. Open it with:\n"
          f"    python3 -m http.server -d _build/html 8000   # then visit http://localhost:8000")


PYTEST = ("-m", "pytest", "--dist", "loadfile", "-p", "no:cacheprovider")


# The website test's build: started by ``test`` before the other tests, so that building the book (which
# executes every notebook) runs beside them instead of after them; tests/test_website.py waits for it.
SITE_BUILD = ROOT / "_build" / "test-site"


def start_site_build() -> subprocess.Popen:
    """Build the book into ``SITE_BUILD`` in the background; a watcher writes the build's exit code to
    ``SITE_BUILD/returncode`` when it ends. Returns the build's process."""
    shutil.rmtree(SITE_BUILD, ignore_errors=True)
    SITE_BUILD.mkdir(parents=True)
    cmd = [str(BIN / "jupyter-book"), "build", str(ROOT), "--path-output", str(SITE_BUILD), "--all", "-W",
           "--keep-going"]
    log = SITE_BUILD / "build.log"
    print("+", " ".join(cmd), f"  # in the background, for the website test; log: {log.relative_to(ROOT)}",
          flush=True)
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)

    def watch() -> None:
        code = process.wait()
        (SITE_BUILD / "returncode").write_text(str(code))
        print(f"\n[dev.py: the book build for the website test {'finished' if code == 0 else 'FAILED'} in "
              f"{time.perf_counter() - started:.0f} s]", flush=True)

    threading.Thread(target=watch, daemon=True).start()
    return process


def test(*pytest_args: str) -> None:
    """Every test: unit tests of calclib, the examples in its docstrings, nbval over every notebook, the
    labs and the website test. The slow end-to-end checks (marked ``integration``) are :func:`integration`'s.

    The website test's book build starts first and runs beside the other tests (see :func:`start_site_build`);
    the website test prints its table of pages into ``_build/test-site/website.txt``, shown at the end."""
    ensure_environment()
    workers = os.environ.get("PYTEST_WORKERS", "2")
    started = time.perf_counter()
    build = start_site_build()   # extra pytest arguments add to the whole run, which has the website test
    env = {**os.environ, "CALCLIB_SITE_BUILD": str(SITE_BUILD)}
    try:
        result = subprocess.run([str(BIN / "python"), *PYTEST, "-n", workers, "-m", "not integration",
                                 "--nbval-lax", "--doctest-modules", "tests", "book", "src/calclib",
                                 "booktools/src/booktools", *pytest_args], cwd=ROOT, env=env)
    finally:
        if build.poll() is None:   # the tests stopped (or deselected the website test) before it waited
            build.terminate()
            build.wait()
    report = SITE_BUILD / "website.txt"
    if report.exists():
        print(report.read_text(), end="")
    print(f"dev.py test: {time.perf_counter() - started:.0f} s (after installing the environment)", flush=True)
    if result.returncode != 0:
        sys.exit(result.returncode)


def integration(*pytest_args: str) -> None:
    """The slow end-to-end checks, in a student's plain kernel (``.venv-student``, created here): every
    chapter, instructor key and student notebook runs there, and nbgrader grades every lab for real."""
    ensure_environment()
    ensure_student_environment()
    workers = os.environ.get("PYTEST_WORKERS", "2")
    run(BIN / "python", *PYTEST, "-n", workers, "-m", "integration", "tests", *pytest_args)


def lab(*args: str) -> None:
    ensure_environment(extra=[ROOT / "requirements-lab.txt"])
    run(BIN / "jupyter", "lab", "book", *args)


def strip(*args: str) -> None:
    ensure_environment()
    notebooks = sorted(str(p) for p in (ROOT / "book").glob("*.ipynb"))
    run(BIN / "nbstripout", *notebooks)


def labs(*args: str) -> None:
    ensure_environment()
    run(BIN / "python", "-m", "booktools.labs", *args)


def bench(*args: str) -> None:
    ensure_environment(extra=[ROOT / "benchmarks" / "requirements.txt"])
    run(BIN / "python", "benchmarks/run.py", *args)


COMMANDS = {"book": book, "test": test, "integration": integration, "lab": lab, "strip": strip, "labs": labs, "bench": bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
