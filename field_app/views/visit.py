"""Recording a visit of a case, or a subject's check-in."""

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.nav import Route, Screen
from field_app.viewmodels.visits import CheckinViewModel, FieldContactForm, VisitFormViewModel
from field_app.views.context import LocationRefusedError, LocationUnavailableError, ViewContext
from field_app.views.screen import ScreenView
from field_app.views.theme import KEY_PERSON, TEXT, WARNING, sz
from field_app.views.widgets import (
    badge,
    card,
    choice_row,
    error_line,
    heading,
    info_line,
    label,
    primary_button,
    secondary_button,
    text_field,
    thumbnails,
    tid,
)
from shared_models.domain.visits import CheckinMethod, VisitKind


class ContactFormView(ScreenView):
    vm: FieldContactForm
    editing = True
    save_id = "visit-save"
    notes_id = "visit-notes"

    def __init__(self, ctx: ViewContext, vm: FieldContactForm) -> None:
        super().__init__(ctx, vm)
        self.notes_field = text_field(ctx.t("field.notes"), vm.notes, self._notes, multiline=True)
        self.notes = tid(self.notes_id, self.notes_field)
        self.busy_text = ""

    def _notes(self, e: ft.Event[ft.TextField]) -> None:
        self.ctx.app.core.touch()
        self.vm.set_notes(e.control.value or "")

    # -- location -----------------------------------------------------------------

    def control(self) -> ft.Control:
        if self.vm.fix is None and not self.vm.locating and self.vm.location_error is None:
            self.ctx.page.run_task(self._locate)
        return super().control()

    async def _locate(self, _: ft.Event[ft.Control] | None = None) -> None:
        self.vm.start_locating()
        self.ctx.page.update()
        try:
            lat, lon, accuracy = await self.ctx.location.locate()
        except LocationRefusedError:
            self.vm.location_failed(msg("gps.error.refused"))
        except LocationUnavailableError:
            self.vm.location_failed(msg("gps.error.unavailable"))
        else:
            self.vm.set_fix(lat, lon, accuracy)
        self.ctx.page.update()

    def _location(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        if vm.locating:
            state: ft.Control = ft.Row(
                [ft.ProgressRing(width=24, height=24), ft.Text(t("gps.locating"), size=sz(TEXT))]
            )
        elif vm.location is not None:
            text = tr(vm.location) + (f" ({t('gps.from_photo')})" if vm.fix_from_photo else "")
            color = WARNING if vm.location_is_rough else ft.Colors.GREEN_800
            state = info_line(text, ft.Icons.LOCATION_ON, color)
        else:
            state = info_line(
                tr(vm.location_error) or t("gps.none"), ft.Icons.LOCATION_OFF, WARNING
            )
        parts = [heading(t("gps.title")), tid("gps-status", state)]
        if vm.location_is_rough:
            parts.append(label(t("gps.rough")))
        if not vm.locating:
            parts.append(
                secondary_button(t("gps.again"), self._locate, ft.Icons.MY_LOCATION, "gps-locate")
            )
        return parts

    # -- photos --------------------------------------------------------------------

    async def _add_photo(self, _: ft.Event[ft.Control]) -> None:
        self.ctx.app.core.touch()
        many = self.vm.max_photos > 1
        raws = await self.ctx.photos.pick(many)
        if not raws:
            return
        self.busy_text = self.ctx.t("photo.preparing")
        for raw in raws:
            if self.vm.max_photos == 1 and self.vm.photos:
                self.vm.remove_photo(0)
            await self.work(self.vm.add_photo, raw)
        self.ctx.page.update()

    def _photos(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        parts: list[ft.Control] = [heading(t("photo.title", count=len(vm.photos)))]
        if vm.photos:
            parts.append(
                tid(
                    "photo-list",
                    thumbnails(
                        [p.thumbnail for p in vm.photos],
                        self.vm.remove_photo,
                        remove_label=self.ctx.t("photo.remove"),
                        photo_label=lambda n: self.ctx.t("photo.n", n=n),
                    ),
                )
            )
        can_add = len(vm.photos) < vm.max_photos or vm.max_photos == 1
        if can_add:
            parts.append(
                secondary_button(
                    t("photo.add") if not vm.photos or vm.max_photos > 1 else t("photo.replace"),
                    self._add_photo,
                    ft.Icons.ADD_A_PHOTO,
                    "photo-add",
                )
            )
            parts.append(label(t("photo.hint")))
        return parts

    # -- saving --------------------------------------------------------------------

    async def _save(self, _: ft.Event[ft.Control]) -> None:
        self.busy_text = self.ctx.t("visit.saving")
        if await self.work(self.vm.save):
            self.ctx.toast(msg("visit.saved"))
            self.ctx.replace(self.after_save())
        self.ctx.page.update()

    def after_save(self) -> Route:
        raise NotImplementedError

    def _discard(self, _: ft.Event[ft.Control]) -> None:
        def discard() -> None:
            self.vm.discard()
            self.ctx.back()

        self.ctx.confirm(
            msg("draft.discard_title"),
            msg("draft.discard_body"),
            [(msg("draft.discard"), discard, True)],
        )

    save_key = "visit.save"

    def footer(self) -> list[ft.Control]:
        parts: list[ft.Control] = [error_line(self.ctx.tr(self.vm.error))]
        if self.busy:
            busy = ft.Row(
                [ft.ProgressRing(width=24, height=24), ft.Text(self.busy_text, size=sz(TEXT))]
            )
            parts.append(busy)
        save = self.ctx.t(self.save_key)
        parts.append(primary_button(save, self._save, ft.Icons.SAVE, self.save_id, self.busy))
        return parts

    def after_form(self) -> list[ft.Control]:
        """Under the fields, in the scrolling part: the offline note and discarding."""
        return [
            label(self.ctx.t("visit.saved_offline")),
            secondary_button(
                self.ctx.t("draft.discard"), self._discard, ft.Icons.DELETE_OUTLINE, danger=True
            ),
        ]


class VisitView(ContactFormView):
    vm: VisitFormViewModel

    def __init__(self, ctx: ViewContext, vm: VisitFormViewModel) -> None:
        super().__init__(ctx, vm)
        self.outcome = text_field(ctx.t("field.outcome"), vm.outcome, self._outcome)

    def _outcome(self, e: ft.Event[ft.TextField]) -> None:
        self.vm.set_outcome(e.control.value or "")

    def title(self) -> str:
        return self.ctx.t("screen.visit_new")

    def after_save(self) -> Route:
        return Route.to(Screen.CASE, id=str(self.vm.case_id))

    def _kind(self, value: str) -> None:
        self.vm.set_kind(VisitKind(value))

    def content(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        parts: list[ft.Control] = [
            ft.Text(vm.case_title, size=sz(TEXT) + 2, weight=ft.FontWeight.W_600)
        ]
        if vm.resumed:
            parts.append(info_line(t("draft.resumed"), ft.Icons.RESTORE))
        parts += [
            label(t("visit.kind")),
            choice_row(
                [(k.value, t(f"visit.kind.{k.value}")) for k in vm.kinds],
                vm.kind.value,
                self._kind,
                "visit-kind",
            ),
            *self._obligations(),
            self.notes,
            self.outcome,
            *self._location(),
            *self._photos(),
            *self.after_form(),
        ]
        return parts

    def _obligations(self) -> list[ft.Control]:
        """At a follow-up (回访): each agreed obligation, honoured or not."""
        t, vm = self.ctx.t, self.vm
        if not vm.checks_obligations:
            return []
        parts: list[ft.Control] = [heading(t("followup.obligations"))]
        for line in vm.obligations:
            due = f" · {t('followup.due', day=line.due)}" if line.due else ""
            chosen = None if line.honoured is None else ("yes" if line.honoured else "no")

            def mark(value: str, index: int = line.index) -> None:
                vm.set_mark(index, value == "yes")

            parts.append(
                card(
                    [
                        ft.Text(f"{line.index + 1}. {line.obligor}：{line.action}", size=sz(TEXT)),
                        label(f"{line.method}{due}".strip(" ·")),
                        choice_row(
                            [("yes", t("followup.honoured")), ("no", t("followup.not_honoured"))],
                            chosen,
                            mark,
                            f"obligation-{line.index}-mark",
                        ),
                    ]
                )
            )
        return parts


class CheckinView(ContactFormView):
    vm: CheckinViewModel
    save_id = "checkin-save"
    save_key = "checkin.save"
    notes_id = "checkin-notes"

    def title(self) -> str:
        return self.ctx.t("screen.checkin")

    def after_save(self) -> Route:
        return Route.to(Screen.SUBJECT, id=str(self.vm.subject_id))

    def _method(self, value: str) -> None:
        self.vm.set_method(CheckinMethod(value))

    def content(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        name: list[ft.Control] = [
            ft.Text(vm.subject_name, size=sz(TEXT) + 2, weight=ft.FontWeight.W_600)
        ]
        if vm.key_person:
            name.append(badge(t("subject.key_person"), KEY_PERSON))
        parts: list[ft.Control] = [ft.Row(name, wrap=True)]
        if vm.resumed:
            parts.append(info_line(t("draft.resumed"), ft.Icons.RESTORE))
        parts += [
            label(t("checkin.method")),
            choice_row(
                [(m.value, t(f"checkin.method.{m.value}")) for m in vm.methods],
                vm.method.value,
                self._method,
                "checkin-method",
            ),
            *self._location(),
            tid("checkin-location-note", label(t("corr.event.location_note"))),
            *self._photos(),
            self.notes,
            *self.after_form(),
        ]
        return parts
