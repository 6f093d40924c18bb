"""CI's last line: .ci/summary.py sums pytest's JUnit reports."""

import subprocess
import sys
from pathlib import Path

import pytest

SUMMARY = Path(__file__).resolve().parents[2] / ".ci" / "summary.py"


def run(*reports: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SUMMARY), *map(str, reports)], capture_output=True, text=True
    )


def report(path: Path, tests: int, failures: int = 0, errors: int = 0, skipped: int = 0) -> Path:
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" '
        f'tests="{tests}" failures="{failures}" errors="{errors}" skipped="{skipped}">'
        "</testsuite></testsuites>"
    )
    return path


def test_sums_both_suites(tmp_path):
    done = run(report(tmp_path / "a.xml", 10, skipped=2), report(tmp_path / "b.xml", 7, skipped=1))
    assert done.returncode == 0
    assert done.stdout.splitlines()[-1] == "CI: 14 passed, 0 failed, 3 skipped"


def test_failures_and_errors_fail(tmp_path):
    done = run(report(tmp_path / "a.xml", 10, failures=1, errors=2), report(tmp_path / "b.xml", 3))
    assert done.returncode == 1
    assert done.stdout.splitlines()[-1] == "CI: 10 passed, 3 failed, 0 skipped"


@pytest.mark.parametrize("kind", ["missing", "empty", "no tests"])
def test_a_suite_that_ran_nothing_fails(tmp_path, kind):
    path = tmp_path / "a.xml"
    if kind == "empty":
        path.write_text("")
    elif kind == "no tests":
        report(path, 0)
    done = run(path, report(tmp_path / "b.xml", 4))
    assert done.returncode == 1
    assert done.stdout.splitlines()[-1] == "CI: 4 passed, 1 failed, 0 skipped"


def test_reads_what_pytest_writes(tmp_path):
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n"
        "def test_ok(): pass\n"
        "def test_bad(): assert False\n"
        "@pytest.mark.skip(reason='x')\n"
        "def test_skip(): pass\n"
    )
    xml = tmp_path / "out.xml"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:django",
            "-p",
            "no:cacheprovider",
            f"--junitxml={xml}",
            "--rootdir",
            str(tmp_path),
            "-c",
            "/dev/null",
            str(tmp_path),
        ],
        capture_output=True,
        cwd=tmp_path,
    )
    done = run(xml)
    assert done.stdout.splitlines()[-1] == "CI: 1 passed, 1 failed, 1 skipped"
    assert done.returncode == 1
