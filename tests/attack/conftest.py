"""The attack suite: LastMile attacked as a hostile insider, a curious colleague
and a broken phone would attack it. Every test records its tries and
violations through the ``attack`` fixture (``tests/attack/tally.py``); the run
prints the figures and fails on any violation. The server's fixtures (a
settings, a district, an in-process client) are the server tests' own."""

from tests.attack.tally import attack
from tests.district_db import db_url as db_url
from tests.district_db import engine as engine
from tests.district_db import pg_template as pg_template
from tests.district_db import sqlite_template as sqlite_template
from tests.sync_server.conftest import client, district, settings

__all__ = ["attack", "client", "district", "settings"]
