"""What kind of device this is, in a few words, for the district's device
list ("mediator.baijia · Xiaomi 2201117TG"): a supervisor must tell the
phones apart, and a host name ("vm", "localhost") says nothing."""

import asyncio
import logging

import flet as ft

log = logging.getLogger(__name__)
_ASK_SECONDS = 5.0


def describe(info: ft.DeviceInfo | None, platform: str) -> str:
    """The model (phone), or the browser and its system (web); the platform
    name when the client tells nothing more."""
    if isinstance(info, ft.AndroidDeviceInfo):
        maker = info.manufacturer.strip()
        model = info.model.strip()
        return model if model.lower().startswith(maker.lower()) else f"{maker} {model}".strip()
    if isinstance(info, ft.IosDeviceInfo):
        return info.model_name or info.model
    if isinstance(info, ft.WebDeviceInfo):
        browser = info.browser_name.value.capitalize()
        system = (info.platform or "").strip()
        return f"{browser} · {system}" if system else browser
    return platform


async def device_model(page: ft.Page) -> str:
    """Asked of the client once per window; never holds up the screen."""
    platform = page.platform.value if page.platform is not None else ""
    try:
        info = await asyncio.wait_for(page.get_device_info(), _ASK_SECONDS)
    except Exception as error:  # an old client, a closed tab: the platform will do
        log.info("no device info: %s", type(error).__name__)
        info = None
    return describe(info, platform)
