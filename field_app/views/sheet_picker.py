"""Choosing a ledger file: on a phone or a desktop the picker hands the
bytes over directly; in the browser (web mode) only the name and size come
first, a file over the limit is refused before anything is sent, and the
rest is uploaded to the app's own in-memory inbox (``field_app/web_inbox.py``
says why not over the websocket, nor to disk)."""

import asyncio
import logging
from dataclasses import dataclass

import flet as ft

from field_app.web_inbox import INBOX, PREFIX

log = logging.getLogger(__name__)

PICK_LIMIT = 32 * 1024 * 1024
"""The server's import limit (``import_max_bytes``): a larger file could
never be imported, so it is not sent at all."""
UPLOAD_WAIT_S = 300.0


@dataclass(frozen=True)
class PickedSheet:
    name: str
    data: bytes | None
    """``None``: it could not be read (or was too large)."""
    too_large: bool = False


async def pick_sheet(page: ft.Page, extensions: list[str]) -> PickedSheet | None:
    """A file the user chose, or ``None`` when they cancelled."""
    picker = ft.FilePicker()
    if not page.web:
        files = await picker.pick_files(
            file_type=ft.FilePickerFileType.CUSTOM,
            allowed_extensions=extensions,
            with_data=True,
        )
        if not files:
            return None
        chosen = files[0]
        return PickedSheet(chosen.name, chosen.bytes, chosen.size > PICK_LIMIT)
    files = await picker.pick_files(
        file_type=ft.FilePickerFileType.CUSTOM,
        allowed_extensions=extensions,
        cancel_upload_on_window_blur=False,
    )
    if not files:
        return None
    chosen = files[0]
    if chosen.size > PICK_LIMIT:
        return PickedSheet(chosen.name, None, too_large=True)
    token = INBOX.open(PICK_LIMIT)
    # Relative, like Flet's own upload addresses: it follows the page's path
    # behind a proxy that serves the app under a prefix.
    address = PREFIX.lstrip("/") + token
    await picker.upload([ft.FilePickerUploadFile(upload_url=address, id=chosen.id)])
    data, too_large = await asyncio.to_thread(INBOX.wait, token, UPLOAD_WAIT_S)
    if data is None and not too_large:
        log.info("a picked file did not arrive within %s s", UPLOAD_WAIT_S)
    return PickedSheet(chosen.name, data, too_large)
