#!/usr/bin/env python3
"""Sum pytest's JUnit XML reports into CI's last line.

    summary.py REPORT [REPORT ...]

Prints `CI: N passed, N failed, N skipped`, counted from the reports pytest
wrote itself. A report that is missing or empty (the suite crashed, or
stopped before pytest ran) counts as one failure; a report with no tests
counts as one failure too, so "no tests ran" never passes. Exits 1 when
anything failed, 0 otherwise.
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def counts(report: Path) -> tuple[int, int, int, str | None]:
    """(passed, failed, skipped, what went wrong) of one report."""
    if not report.is_file() or report.stat().st_size == 0:
        return 0, 1, 0, f"{report.name}: no report (the suite did not run to the end)"
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = failed = skipped = 0
    for suite in suites:
        tests += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    if tests == 0:
        return 0, 1, 0, f"{report.name}: no tests ran"
    return tests - failed - skipped, failed, skipped, None


def main(paths: list[str]) -> int:
    if not paths:
        sys.exit("usage: summary.py REPORT [REPORT ...]")
    passed = failed = skipped = 0
    for path in paths:
        p, f, s, problem = counts(Path(path))
        passed, failed, skipped = passed + p, failed + f, skipped + s
        if problem:
            print(problem)
    print(f"CI: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
