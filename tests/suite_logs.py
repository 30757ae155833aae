"""Every log line of the whole test run, searched for secrets and personal data.

``tests/sync_server/test_log_canaries.py`` runs a day's operations with
canary values at DEBUG; this goes over every test of every environment
(issue 20: "a test greps the logs of the whole suite for canaries"). A
handler on the root logger formats every record as the server writes it
(``core/logs.JsonFormatter`` where the server is installed), at the
server's default level (INFO; the loggers the server keeps quiet at
WARNING: ``core/logs.QUIET_LOGGERS``), and after each phase of each test
the lines it logged are searched for:

- the passwords the suite signs in with and the test object store's secret;
- every bearer token a server of this process issued
  (``sync_server.core.security.new_token`` is wrapped to note them);
- the personal data the factories put into every record they make: the
  default ID numbers, phone number and address.

A test whose lines hold one fails, naming the canary and the line. Left
out: the loggers of the tests themselves and of Flet (the phone's user
interface, whose logs stay on the phone). The hooks are imported by
``tests/conftest.py``; every process (each xdist worker) checks its own
tests, so the test that logged the line is the one that fails.
"""

import logging
import re
import sys
from collections.abc import Callable, Generator
from datetime import date
from typing import Any, Final

import pytest

from tests.factories import PASSWORD, id_number

LEVEL: Final = logging.INFO
"""The server's default ``log_level``."""
EXCLUDED: Final = ("tests", "flet")
_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{43}")
"""The shape of ``secrets.token_urlsafe(32)``: candidates looked up among the issued tokens."""

_CANARIES: Final = (
    PASSWORD,
    "demo-2026",  # the demo district's password (lastmile_cli.DEMO_PASSWORD)
    "lastmile-test-secret-canary",  # tests/blob_stores.S3_SECRET
    id_number(),  # subjects (factories.subject_fields)
    id_number(serial="456"),  # parties (factories.party_fields)
    id_number(date(1981, 2, 3), serial="997"),  # test_log_canaries' own
    "13800138000",
    "百家村3号",
)
_issued: set[str] = set()


def _quiet_levels() -> dict[str, int]:
    try:
        from sync_server.core.logs import QUIET_LOGGERS
    except ImportError:  # the app's environment: the one it shares with the server
        return {"sqlalchemy": logging.WARNING, "httpx": logging.WARNING}
    return dict(QUIET_LOGGERS)


def _formatter() -> logging.Formatter:
    try:
        from sync_server.core.logs import JsonFormatter
    except ImportError:
        return logging.Formatter("%(levelname)s %(name)s: %(message)s")
    return JsonFormatter()


class _Lines(logging.Handler):
    """Formats what the server would write, keeps it until the next check."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(_formatter())
        self.quiet = _quiet_levels()
        self.lines: list[str] = []

    def _written(self, record: logging.LogRecord) -> bool:
        if record.name.split(".")[0] in EXCLUDED:
            return False
        floor = LEVEL
        for name, level in self.quiet.items():
            if record.name == name or record.name.startswith(f"{name}."):
                floor = max(floor, level)
        return record.levelno >= floor

    def emit(self, record: logging.LogRecord) -> None:
        if self._written(record):
            try:
                self.lines.append(self.format(record))
            except Exception:  # a record that cannot be formatted is not a line
                self.handleError(record)

    def take(self) -> list[str]:
        lines, self.lines = self.lines, []
        return lines


_handler = _Lines()


def _note_issued_tokens() -> None:
    """Wrap the server's token maker, where it is defined and wherever a
    module loaded before this ran imported it by name."""
    try:
        from sync_server.core import security
    except ImportError:
        return
    make: Callable[[], str] = security.new_token

    def noted() -> str:
        token = make()
        _issued.add(token)
        return token

    for module in list(sys.modules.values()):
        if getattr(module, "new_token", None) is make:
            module.new_token = noted  # type: ignore[attr-defined]


def found_in(line: str) -> list[str]:
    """The canaries and issued tokens ``line`` holds."""
    found = [canary for canary in _CANARIES if canary in line]
    found += ["a bearer token" for word in _TOKEN.findall(line) if word in _issued]
    return found


_saved_levels = pytest.StashKey[dict[str, int]]()


def pytest_configure(config: pytest.Config) -> None:
    """Log as the server does: root at INFO, its quiet loggers at WARNING
    (set on the loggers, so that SQLAlchemy does not even make its lines)."""
    _note_issued_tokens()
    names = ["", *_handler.quiet]
    config.stash[_saved_levels] = {name: logging.getLogger(name).level for name in names}
    root = logging.getLogger()
    root.addHandler(_handler)
    if root.getEffectiveLevel() > LEVEL:
        root.setLevel(LEVEL)
    for name, level in _handler.quiet.items():
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(level)


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.getLogger().removeHandler(_handler)
    for name, level in config.stash.get(_saved_levels, {}).items():
        logging.getLogger(name).setLevel(level)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, Any, None]:
    """Fail the phase whose log lines hold a canary, naming it and the line."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    leaks = [(found, line) for line in _handler.take() if (found := found_in(line))]
    if leaks and not report.failed:
        found, line = leaks[0]
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} ({call.when}): {len(leaks)} log lines hold what logs must never "
            f"hold; the first, holding {found}:\n{line}"
        )
