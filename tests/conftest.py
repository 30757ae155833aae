"""Hooks of the whole test run. Kept free of either side's packages: it is
loaded in the app's environment, the server's environment and the full one
(``tests/sides.py``). The server's database fixtures live in
``tests/district_db.py``, imported by the folders that need them. Every
test's log lines are searched for secrets and personal data
(``tests/suite_logs.py``)."""

from tests.attack.tally import (
    pytest_runtest_logreport as pytest_runtest_logreport,
)
from tests.attack.tally import (
    pytest_terminal_summary as pytest_terminal_summary,
)
from tests.sides import pytest_collection_modifyitems as pytest_collection_modifyitems
from tests.suite_logs import pytest_configure as pytest_configure
from tests.suite_logs import pytest_runtest_makereport as pytest_runtest_makereport
from tests.suite_logs import pytest_unconfigure as pytest_unconfigure
