"""Thin Flet controls over the view-models: layout, wiring, nothing else.

Business rules live in ``field_app.viewmodels``; what a control shows comes
from a view-model and its words from ``field_app.i18n``.
"""
