"""入矫登记: identity (the ID number checked as it is typed), the court's
decision, supervision, the correction team with its warning, and the
documents photographed; *Save enrolment* in the footer."""

from typing import Any

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.enrolment import EnrolmentViewModel
from field_app.viewmodels.nav import Route, Screen
from field_app.views.screen import ScreenView
from field_app.views.theme import TEXT, WARNING, sz
from field_app.views.widgets import (
    choice_row,
    date_field,
    error_line,
    heading,
    icon_button,
    info_line,
    label,
    primary_button,
    secondary_button,
    text_field,
    thumbnails,
    tid,
)
from shared_models.domain.people import Gender
from shared_models.domain.subjects import CorrectionType, SupervisionLevel, TeamRole

DAYS = ("decided_on", "term_start", "term_end", "birth_date")
SECTIONS = {
    "corr.enrol.identity": ("name", "id_number", "birth_date", "address", "phone"),
    "corr.enrol.decision": (
        "offence",
        "sentence",
        "court",
        "judgment_number",
        "decided_on",
        "term_start",
        "term_end",
    ),
}
LABELS = {"name": "field.name", "id_number": "field.id_number", "address": "field.address"}
LABELS |= {"phone": "field.phone"}
REQUIRED = {"name", "id_number", "term_start", "term_end", "offence", "sentence", "court"}


def _id(name: str) -> str:
    return f"enrol-{name.replace('_', '-')}"


class EnrolmentView(ScreenView):
    vm: EnrolmentViewModel
    editing = True

    def __init__(self, ctx: Any, vm: EnrolmentViewModel) -> None:
        super().__init__(ctx, vm)
        self.inputs: dict[str, ft.TextField] = {}
        for name in vm.values:
            key = LABELS.get(name, f"corr.field.{name}")
            text = ctx.t(key) + (" *" if name in REQUIRED else "")
            keyboard = ft.KeyboardType.PHONE if name == "phone" else ft.KeyboardType.TEXT
            self.inputs[name] = text_field(
                text, vm.values[name], self._setter(name), keyboard=keyboard
            )
        self.member = text_field(ctx.t("corr.enrol.team_member_name"), "", self._member)

    def title(self) -> str:
        return self.ctx.t("screen.enrol")

    # -- events -----------------------------------------------------------------------

    def _setter(self, name: str):  # type: ignore[no-untyped-def]
        def changed(e: ft.Event[ft.TextField]) -> None:
            self.ctx.app.core.touch()
            before = self.vm.id_checked
            self.vm.set(name, e.control.value or "")
            if name == "id_number" and self.vm.id_checked != before:
                self.inputs["birth_date"].value = self.vm.values["birth_date"]
                self.render()
                self.ctx.page.update()

        return changed

    def _picked(self, name: str):  # type: ignore[no-untyped-def]
        def picked(value: str) -> None:
            self.vm.set(name, value)

        return picked

    def _member(self, e: ft.Event[ft.TextField]) -> None:
        self.vm.set_member_name(e.control.value or "")

    def _add_member(self, _: ft.Event[ft.Control]) -> None:
        self.vm.set_member_name(self.member.value or "")
        if self.vm.add_member():
            self.member.value = ""

    def _remove_member(self, index: int):  # type: ignore[no-untyped-def]
        def remove(_: ft.Event[ft.Control]) -> None:
            self.vm.remove_member(index)

        return remove

    def _key_person(self, value: str) -> None:
        self.vm.set_key_person(value == "yes")

    async def _document(self, _: ft.Event[ft.Control]) -> None:
        self.ctx.app.core.touch()
        for raw in await self.ctx.photos.pick(True):
            await self.work(self.vm.add_document, raw)
        self.ctx.page.update()

    def _remove_document(self, index: int) -> None:
        self.vm.remove_document(index)

    async def _save(self, _: ft.Event[ft.Control]) -> None:
        if await self.work(self.vm.save) and self.vm.saved_id is not None:
            self.ctx.toast(msg("corr.enrol.saved"))
            self.ctx.replace(Route.to(Screen.SUBJECT, id=str(self.vm.saved_id)))
        self.ctx.page.update()

    # -- what is shown ----------------------------------------------------------------

    def _text(self, name: str) -> ft.Control:
        box = self.inputs[name]
        box.error = self.ctx.tr(self.vm.field_error(name)) or None
        if name in DAYS:
            return date_field(box, self._picked(name), self.ctx.date_texts(), _id(name))
        return tid(_id(name), box)

    def _team(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        parts: list[ft.Control] = [heading(t("corr.team.title", count=len(vm.team)))]
        for index, member in enumerate(vm.team):
            role = t(f"corr.team_role.{member.role.value}")
            sex = (
                t(f"corr.enrol.{member.gender.value}")
                if member.gender is not Gender.UNSPECIFIED
                else ""
            )
            parts.append(
                tid(
                    "enrol-member",
                    ft.Row(
                        [
                            ft.Text(
                                " · ".join(p for p in (member.name, role, sex) if p),
                                size=sz(TEXT),
                                expand=True,
                            ),
                            icon_button(
                                ft.Icons.DELETE_OUTLINE,
                                t("corr.team.remove"),
                                self._remove_member(index),
                            ),
                        ]
                    ),
                )
            )
        parts += [info_line(tr(w), ft.Icons.GROUP, WARNING) for w in vm.warnings]
        roles = [(role.value, t(f"corr.team_role.{role.value}")) for role in TeamRole]
        sexes = [
            (Gender.FEMALE.value, t("corr.enrol.female")),
            (Gender.MALE.value, t("corr.enrol.male")),
        ]
        parts += [
            tid("enrol-member-name", self.member),
            choice_row(roles, vm.member_role.value, vm.choose_member_role, "enrol-member-role"),
            choice_row(
                sexes, vm.member_gender.value, vm.choose_member_gender, "enrol-member-gender"
            ),
            error_line(tr(vm.field_error("member"))),
            secondary_button(
                t("corr.team.add"), self._add_member, ft.Icons.PERSON_ADD, "enrol-member-add"
            ),
        ]
        return parts

    def content(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        parts: list[ft.Control] = []
        for title, names in SECTIONS.items():
            parts.append(heading(t(title)))
            for name in names:
                parts.append(self._text(name))
                if name == "id_number" and vm.id_checked:
                    parts.append(info_line(t("corr.enrol.id_ok"), ft.Icons.VERIFIED))
            if title == "corr.enrol.identity":
                sexes = [
                    (Gender.FEMALE.value, t("corr.enrol.female")),
                    (Gender.MALE.value, t("corr.enrol.male")),
                ]
                parts += [
                    label(t("corr.field.gender")),
                    choice_row(sexes, vm.gender.value, vm.choose_gender, "enrol-gender"),
                ]
        types = [(kind.value, t(f"subject.type.{kind.value}")) for kind in CorrectionType]
        levels = [(level.value, t(f"corr.level.{level.value}")) for level in SupervisionLevel]
        yes_no = [("yes", t("corr.yes")), ("no", t("corr.no"))]
        parts += [
            heading(t("corr.enrol.supervision")),
            label(t("corr.field.correction_type")),
            choice_row(types, vm.correction_type.value, vm.choose_type, "enrol-type"),
            label(t("corr.field.supervision_level")),
            choice_row(levels, vm.level.value, vm.choose_level, "enrol-level"),
            label(t("corr.field.key_person")),
            choice_row(
                yes_no, "yes" if vm.key_person else "no", self._key_person, "enrol-key-person"
            ),
            *self._team(),
            heading(t("corr.enrol.documents", count=len(vm.documents))),
        ]
        if vm.documents:
            parts.append(
                thumbnails(
                    [item.thumbnail for item in vm.documents],
                    on_remove=self._remove_document,
                    remove_label=t("photo.remove"),
                    photo_label=lambda n: t("photo.n", n=n),
                )
            )
        parts.append(
            secondary_button(
                t("corr.enrol.add_document"),
                self._document,
                ft.Icons.PHOTO_CAMERA,
                "enrol-document",
            )
        )
        return [tid("enrol-form", ft.Column(parts, spacing=10))]

    def footer(self) -> list[ft.Control]:
        t = self.ctx.t
        return [
            error_line(self.ctx.tr(self.vm.error)),
            primary_button(
                t("corr.enrol.save"), self._save, ft.Icons.SAVE, "enrol-save", self.busy
            ),
        ]
