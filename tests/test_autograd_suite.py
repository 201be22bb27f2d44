"""autograd 1.7.0's own tests (tests/autograd_suite) on calclib: the vendored files are autograd's, byte for
byte, and what does not pass is listed, each with its reason, in tests/autograd_suite/conftest.py."""

from __future__ import annotations

import collections
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_suite import conftest as suite

ROOT = Path(__file__).resolve().parents[1]


def test_the_vendored_files_are_autograds_unmodified():
    files = {p.name for p in suite.HERE.iterdir() if p.is_file()} - {"__init__.py", "conftest.py", "README.md"}
    assert files == set(suite.VENDORED)
    for name, digest in suite.VENDORED.items():
        assert hashlib.sha256((suite.HERE / name).read_bytes()).hexdigest() == digest, name


def _collected() -> tuple[list[str], int]:
    """Every test of the suite, as ``file::name``, and the number deselected (the tables' LEFT_OUT)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                          "-p", "no:xdist", str(suite.HERE)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    ids = [line.split("autograd_suite/", 1)[1] for line in run.stdout.splitlines() if "::" in line]
    deselected = int(re.search(r"\((\d+) deselected\)", run.stdout).group(1))
    return ids, deselected


def test_the_tables_name_real_tests_and_refusals_stay_under_ten_percent():
    selected, deselected = _collected()
    assert deselected == len(suite.LEFT_OUT), "every LEFT_OUT entry names a test of the suite"
    assert set(suite.REFUSED) <= set(selected) and set(suite.COMPLEX_TOO) <= set(selected)
    refused, complex_too, left_out = set(suite.REFUSED), set(suite.COMPLEX_TOO), set(suite.LEFT_OUT)
    assert not refused & complex_too and not left_out & (refused | complex_too)
    collected = len(selected) + deselected
    per_file = collections.defaultdict(collections.Counter)
    for test in selected:
        kind = "refused" if test in suite.REFUSED else "complex too" if test in suite.COMPLEX_TOO else "to pass"
        per_file[test.split("::")[0]][kind] += 1
    for test in suite.LEFT_OUT:
        per_file[test.split("::")[0]]["left out"] += 1
    print(f"\n{'file':22} {'collected':>9} {'left out':>9} {'to pass':>8} {'complex too':>11} {'refused':>8}")
    for name, c in sorted(per_file.items()):
        print(f"{name:22} {sum(c.values()):9} {c['left out']:9} {c['to pass']:8} {c['complex too']:11} "
              f"{c['refused']:8}")
    print(f"refused: {len(suite.REFUSED)} of {collected - len(suite.LEFT_OUT)} real-valued tests")


def test_calclib_refuses_at_most_ten_percent_of_the_real_valued_tests():
    """The real-valued tests: all but those left out (the ones that go on to complex inputs count: they must
    pass every real check first)."""
    selected, deselected = _collected()
    assert len(suite.REFUSED) <= 0.1 * (len(selected) + deselected - len(suite.LEFT_OUT))
