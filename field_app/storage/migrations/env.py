"""Alembic environment of the device's local database.

Run by ``field_app.services.session.open_local_data`` at every start, so an app upgrade
brings an existing database (with its unsynced outbox) forward in place.
"""

from alembic import context

from field_app.storage.tables import LOCAL_METADATA

config = context.config
target_metadata = LOCAL_METADATA
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
