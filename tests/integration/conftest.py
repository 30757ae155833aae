"""The field app against the real sync server, in one process: the app's
sync engine, session and view-models signing in, pushing and pulling
(``sync_fixtures``, ``viewmodel_fixtures``). These need both sides'
packages, so they run in the full environment only (``tests/sides.py``)."""

from tests.district_db import db_url as db_url
from tests.district_db import engine as engine
from tests.district_db import pg_template as pg_template
from tests.district_db import sqlite_template as sqlite_template
from tests.field_app.conftest import cipher as cipher
from tests.field_app.conftest import store as store
