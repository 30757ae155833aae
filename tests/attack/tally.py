"""The attack suite's tally: every attack test says how many tries it made and
which of them broke a promise, and the run ends with one table of the figures.

A test records through the ``attack`` fixture::

    def test_nul_in_every_text_field(attack: Attack, ...) -> None:
        for field in fields:
            attack.tried()
            if response.status_code >= 500:
                attack.violation(f"{field}: {response.status_code}")
        # the fixture fails the test at teardown if any violation was recorded

The figures travel in the test report's ``user_properties``, so they reach
the controlling process under pytest-xdist too, where the table is printed.
The two report hooks are imported by ``tests/conftest.py``: under xdist the
controlling process collects nothing and so loads no conftest below ``tests/``.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

_PROPERTY = "lastmile_attack"


@dataclass
class Attack:
    """The tries and violations of one attack test, under one category name."""

    category: str
    tries: int = 0
    violations: list[str] = field(default_factory=list)

    def tried(self, count: int = 1) -> None:
        self.tries += count

    def violation(self, what: str) -> None:
        """A broken promise: ``what`` names the route, role, field or file and what leaked."""
        self.violations.append(what)

    def check(self, ok: bool, what: str) -> None:
        """One try; a violation unless ``ok``."""
        self.tried()
        if not ok:
            self.violation(what)


@pytest.fixture
def attack(request: pytest.FixtureRequest) -> Iterator[Attack]:
    """The tally of this test; its category is the test's module name less ``test_``."""
    module = request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    tally = Attack(category=module)
    yield tally
    request.node.user_properties.append(
        (_PROPERTY, (tally.category, tally.tries, len(tally.violations)))
    )
    if tally.violations:
        shown = "\n  ".join(tally.violations[:50])
        more = len(tally.violations) - 50
        pytest.fail(
            f"{len(tally.violations)} violation(s) in {tally.tries} tries:\n  {shown}"
            + (f"\n  … and {more} more" if more > 0 else ""),
            pytrace=False,
        )


_figures: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "teardown":
        return
    for name, value in report.user_properties:
        if name == _PROPERTY:
            category, tries, violations = value
            figures = _figures[category]
            figures[0] += 1
            figures[1] += tries
            figures[2] += violations


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _figures:
        return
    write = terminalreporter.write_line
    terminalreporter.section("LastMile attack suite")
    write(f"{'category':<32} {'tests':>6} {'tries':>9} {'violations':>11}")
    for category in sorted(_figures):
        tests, tries, violations = _figures[category]
        write(f"{category:<32} {tests:>6} {tries:>9} {violations:>11}")
    tests, tries, violations = (sum(column) for column in zip(*_figures.values(), strict=True))
    write(f"{'total':<32} {tests:>6} {tries:>9} {violations:>11}")
