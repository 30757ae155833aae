"""The phone build's entry point: ``flet build apk|aab|ipa`` packages this
folder and runs ``main.py`` (``[tool.flet.app]`` in pyproject.toml; see
docs/phone.md). The app keeps its data in the phone's private app-storage
folder (``FLET_APP_STORAGE_DATA``, which the Flet runtime sets) and imports
nothing of the sync server."""

from field_app.main import run

run()
