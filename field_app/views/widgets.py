"""Building blocks every screen uses, sized for thumbs and older eyes."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import flet as ft

from field_app.views.theme import (
    PRIMARY,
    SMALL,
    TEXT,
    TITLE,
    TOUCH,
    field_label_style,
    sz,
    text_style,
)

Handler = Callable[..., Any]


def tid(identifier: str, control: ft.Control, expand: bool | None = None) -> ft.Semantics:
    """A stable test/automation identifier (docs/ui.md lists them)."""
    return ft.Semantics(identifier=identifier, content=control, expand=expand)


def icon_button(
    icon: ft.IconData,
    label: str,
    on_click: Handler | None,
    *,
    icon_size: int = 28,
    disabled: bool = False,
    bgcolor: str | None = None,
) -> ft.IconButton:
    """A button drawn as an icon alone, 48 px or more, named for screen
    readers. The name is on the icon (``semantics_label``): the web client
    does not turn a tooltip into an accessible name, so a tooltip alone
    leaves a button a screen reader can only call "button"."""
    return ft.IconButton(
        ft.Icon(icon, size=icon_size, semantics_label=label),
        on_click=on_click,
        tooltip=label,
        disabled=disabled,
        bgcolor=bgcolor,
        width=max(TOUCH, icon_size + 20),
        height=max(TOUCH, icon_size + 20),
    )


def _style() -> ft.ButtonStyle:
    return ft.ButtonStyle(
        padding=ft.Padding.symmetric(horizontal=20, vertical=12),
        text_style=text_style(TEXT, ft.FontWeight.W_600),
        shape=ft.RoundedRectangleBorder(radius=10),
    )


def primary_button(
    text: str,
    on_click: Handler | None,
    icon: ft.IconData | None = None,
    identifier: str | None = None,
    disabled: bool = False,
    expand: bool = False,
) -> ft.Control:
    button = ft.FilledButton(
        content=text,
        icon=icon,
        on_click=on_click,
        disabled=disabled,
        height=TOUCH,
        style=_style(),
        expand=expand,
    )
    return tid(identifier, button, expand or None) if identifier else button


def secondary_button(
    text: str,
    on_click: Handler | None,
    icon: ft.IconData | None = None,
    identifier: str | None = None,
    disabled: bool = False,
    danger: bool = False,
    expand: bool = False,
) -> ft.Control:
    style = _style()
    if danger:
        style.color = ft.Colors.RED_800
    button = ft.OutlinedButton(
        content=text,
        icon=icon,
        on_click=on_click,
        disabled=disabled,
        height=TOUCH,
        style=style,
        expand=expand,
    )
    return tid(identifier, button, expand or None) if identifier else button


def text_field(
    label: str,
    value: str,
    on_change: Handler | None,
    *,
    password: bool = False,
    multiline: bool = False,
    keyboard: ft.KeyboardType = ft.KeyboardType.TEXT,
    error: str | None = None,
    on_submit: Handler | None = None,
    autofocus: bool = False,
    max_length: int | None = None,
    reveal_label: str = "",
) -> ft.TextField:
    """A labelled text field. A password field gets a button to show what
    was typed: named ``reveal_label`` where the caller gives one (Flutter's
    own reveal button has no name a screen reader can say)."""
    own_reveal = password and bool(reveal_label)
    field = ft.TextField(
        label=label,
        value=value,
        on_change=on_change,
        on_submit=on_submit,
        password=password,
        can_reveal_password=password and not own_reveal,
        multiline=multiline,
        min_lines=3 if multiline else None,
        max_lines=8 if multiline else None,
        keyboard_type=keyboard,
        error=error or None,
        text_size=sz(TEXT),
        label_style=field_label_style(),
        autofocus=autofocus,
        max_length=max_length,
        content_padding=ft.Padding.symmetric(horizontal=14, vertical=16),
    )
    if own_reveal:

        def toggle(_: ft.Event[ft.IconButton]) -> None:
            field.password = not field.password
            field.update()

        field.suffix = icon_button(ft.Icons.VISIBILITY, reveal_label, toggle, icon_size=24)
    return field


def choice_row(
    options: Sequence[tuple[str, str]],
    selected: str | None,
    on_select: Callable[[str], Any],
    identifier: str | None = None,
) -> ft.Control:
    """Few choices as big toggle buttons: one tap, no menu to open."""

    def handler(value: str) -> Handler:
        async def select(_: ft.Event[ft.Button]) -> None:
            result = on_select(value)
            if hasattr(result, "__await__"):
                await result

        return select

    buttons: list[ft.Control] = []
    for value, label in options:
        chosen = value == selected
        kind = ft.FilledButton if chosen else ft.OutlinedButton
        button = kind(
            content=label,
            icon=ft.Icons.CHECK if chosen else None,
            on_click=handler(value),
            height=TOUCH - 4,
            style=_style(),
        )
        # "selected" is what a screen reader announces (and what tests wait for).
        buttons.append(ft.Semantics(content=button, selected=chosen, button=True))
    row = ft.Row(buttons, wrap=True, spacing=8, run_spacing=8)
    return tid(identifier, row) if identifier else row


def heading(text: str) -> ft.Text:
    return ft.Text(text, size=sz(TITLE), weight=ft.FontWeight.W_600)


def label(text: str, color: str | None = None, size: int = SMALL) -> ft.Text:
    return ft.Text(text, size=sz(size), color=color or ft.Colors.ON_SURFACE_VARIANT)


def error_line(text: str) -> ft.Control:
    if not text:
        return ft.Container(height=0)
    return ft.Container(
        ft.Row(
            [
                ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.RED_800),
                ft.Text(text, color=ft.Colors.RED_800, size=sz(TEXT), expand=True),
            ]
        ),
        bgcolor=ft.Colors.RED_50,
        padding=12,
        border_radius=8,
    )


def info_line(
    text: str, icon: ft.IconData = ft.Icons.INFO_OUTLINE, color: str = PRIMARY
) -> ft.Control:
    return ft.Row(
        [ft.Icon(icon, color=color), ft.Text(text, size=sz(TEXT), color=color, expand=True)]
    )


def badge(text: str, color: str) -> ft.Control:
    return ft.Container(
        ft.Text(text, size=sz(SMALL), color=ft.Colors.WHITE, weight=ft.FontWeight.W_600),
        bgcolor=color,
        padding=ft.Padding.symmetric(horizontal=8, vertical=2),
        border_radius=12,
    )


def card(controls: list[ft.Control], on_click: Handler | None = None) -> ft.Control:
    return ft.Card(
        ft.Container(
            ft.Column(controls, spacing=6),
            padding=14,
            on_click=on_click,
            ink=on_click is not None,
            border_radius=12,
        ),
        margin=ft.Margin.symmetric(vertical=4),
    )


def list_row(
    title: str,
    subtitle: str = "",
    badges: Sequence[ft.Control] = (),
    on_click: Handler | None = None,
    trailing: ft.Control | None = None,
    leading: ft.Control | None = None,
    below: ft.Control | None = None,
) -> ft.Control:
    """A row of a list: at least ``TOUCH`` high, the whole row tappable.
    ``below`` sits under the texts (a button that would squeeze them to a
    sliver beside them on a narrow phone at a large text size)."""
    texts: list[ft.Control] = [ft.Text(title, size=sz(TEXT), weight=ft.FontWeight.W_600)]
    if subtitle:
        texts.append(label(subtitle))
    if badges:
        texts.append(ft.Row(list(badges), spacing=6, wrap=True))
    if below is not None:
        texts.append(below)
    parts: list[ft.Control] = []
    if leading is not None:
        parts.append(leading)
    parts.append(ft.Column(texts, spacing=4, expand=True))
    if trailing is not None:
        parts.append(trailing)
    elif on_click is not None:
        parts.append(ft.Icon(ft.Icons.CHEVRON_RIGHT))
    return ft.Container(
        ft.Row(parts, vertical_alignment=ft.CrossAxisAlignment.CENTER),
        padding=ft.Padding.symmetric(horizontal=12, vertical=10),
        on_click=on_click,
        ink=on_click is not None,
        border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
        # Never shorter than a thumb: two lines of text keep it well above 48 px.
    )


def thumbnails(
    images: Sequence[bytes | None],
    on_remove: Callable[[int], Any] | None = None,
    size: int = 96,
    remove_label: str = "",
    photo_label: Callable[[int], str] | None = None,
) -> ft.Control:
    """Photos in a wrapping row; with ``on_remove`` each has a × in its
    corner, a full 48 px touch target named ``remove_label`` for screen readers."""
    tiles: list[ft.Control] = []
    for index, data in enumerate(images):
        picture: ft.Control = (
            ft.Image(
                src=data,
                width=size,
                height=size,
                fit=ft.BoxFit.COVER,
                border_radius=8,
                semantics_label=photo_label(index + 1) if photo_label else None,
            )
            if data
            else ft.Container(
                ft.Icon(ft.Icons.PHOTO), width=size, height=size, bgcolor=ft.Colors.GREY_200
            )
        )
        if on_remove is not None:

            def remover(position: int) -> Handler:
                def remove(_: ft.Event[ft.IconButton]) -> None:
                    on_remove(position)

                return remove

            picture = ft.Stack(
                [
                    picture,
                    ft.Container(
                        icon_button(
                            ft.Icons.CLOSE,
                            remove_label,
                            remover(index),
                            icon_size=26,
                            bgcolor=ft.Colors.WHITE,
                        ),
                        right=0,
                        top=0,
                    ),
                ],
                width=size,
                height=size,
            )
        tiles.append(picture)
    return ft.Row(tiles, wrap=True, spacing=8, run_spacing=8)


@dataclass(frozen=True)
class DatePickerTexts:
    """The words of a date field's picker, in the active language."""

    open_picker: str
    """The calendar button's name (screen readers, tooltip)."""
    help: str
    cancel: str
    confirm: str
    locale: ft.Locale
    today: date
    """Today on the district's calendar (Flet's default is the host's clock)."""


def picked_day(value: date) -> date:
    """The day the user picked. The client sends the local midnight of that
    day; if it arrives as a UTC instant (the browser's zone unknown here),
    the day containing the instant twelve hours later is the picked one for
    every zone from UTC−12 to UTC+12."""
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None:
        return value.date()
    return (value.astimezone(UTC) + timedelta(hours=12)).date()


def date_field(
    field: ft.TextField,
    on_pick: Callable[[str], Any],
    texts: DatePickerTexts,
    identifier: str | None = None,
) -> ft.Control:
    """A ``YYYY-MM-DD`` text field with a calendar button beside it: typing
    still works (a keyboard, a test), the calendar saves counting days."""

    def open_picker(e: ft.Event[ft.IconButton]) -> None:
        try:
            current = date.fromisoformat((field.value or "").strip())
        except ValueError:
            current = None

        async def picked(event: ft.Event[ft.DatePicker]) -> None:
            if event.control.value is None:
                return
            field.value = picked_day(event.control.value).isoformat()
            field.error = None
            result = on_pick(field.value)
            if hasattr(result, "__await__"):
                await result
            field.update()

        picker = ft.DatePicker(
            value=datetime.combine(current, datetime.min.time()) if current else None,
            current_date=datetime.combine(texts.today, datetime.min.time()),
            first_date=datetime(2000, 1, 1),
            last_date=datetime(2100, 12, 31),
            help_text=texts.help,
            cancel_text=texts.cancel,
            confirm_text=texts.confirm,
            locale=texts.locale,
            on_change=picked,
        )
        e.page.show_dialog(picker)

    labelled = icon_button(ft.Icons.CALENDAR_MONTH, texts.open_picker, open_picker)
    field.expand = True
    field.hint_text = field.hint_text or "YYYY-MM-DD"
    identified: ft.Control = tid(identifier, field, expand=True) if identifier else field
    return ft.Row([identified, labelled], vertical_alignment=ft.CrossAxisAlignment.START, spacing=4)
