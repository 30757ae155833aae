"""The benches' own checks run against a fresh district database
(``tests/district_db.py``); they need both sides, so the full environment."""

from tests.district_db import db_url as db_url
from tests.district_db import engine as engine
from tests.district_db import pg_template as pg_template
from tests.district_db import sqlite_template as sqlite_template
