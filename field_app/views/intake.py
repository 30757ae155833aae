"""New case intake: three steps, every keystroke kept in a draft."""

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.intake import STEPS, CaseIntakeViewModel
from field_app.viewmodels.nav import Route, Screen
from field_app.views.screen import ScreenView
from field_app.views.theme import TEXT, sz
from field_app.views.widgets import (
    card,
    choice_row,
    error_line,
    icon_button,
    info_line,
    label,
    primary_button,
    secondary_button,
    text_field,
    tid,
)
from shared_models.domain.cases import CaseCategory, CaseSource, PartyRole


class IntakeView(ScreenView):
    vm: CaseIntakeViewModel
    editing = True

    def __init__(self, ctx, vm) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, vm)
        t = ctx.t
        self.title_field = text_field(
            t("field.title"), vm.title, self._set("title"), max_length=200
        )
        self.description = text_field(
            t("field.description"), vm.description, self._set("description"), multiline=True
        )

    def title(self) -> str:
        return self.ctx.t("screen.case_new")

    def _set(self, name: str):  # type: ignore[no-untyped-def]
        def changed(e: ft.Event[ft.TextField]) -> None:
            self.ctx.app.core.touch()
            self.vm.set(name, e.control.value or "")

        return changed

    def _set_party(self, index: int, name: str):  # type: ignore[no-untyped-def]
        def changed(e: ft.Event[ft.TextField]) -> None:
            self.ctx.app.core.touch()
            self.vm.set_party(index, name, e.control.value or "")

        return changed

    def _choose(self, name: str):  # type: ignore[no-untyped-def]
        def chosen(value: str) -> None:
            self.vm.set(name, value)
            self.render()

        return chosen

    def _next(self, _: ft.Event[ft.Control]) -> None:
        self.vm.next()

    def _back(self, _: ft.Event[ft.Control]) -> None:
        self.vm.back()

    async def _save(self, _: ft.Event[ft.Control]) -> None:
        if await self.work(self.vm.save) and self.vm.saved_id is not None:
            self.ctx.toast(msg("intake.saved"))
            self.ctx.replace(Route.to(Screen.CASE, id=str(self.vm.saved_id)))
        self.ctx.page.update()

    def _discard(self, _: ft.Event[ft.Control]) -> None:
        def discard() -> None:
            self.vm.discard()
            self.ctx.back() if self.ctx.app.nav.can_go_back else self.ctx.tab(Screen.CASES)

        self.ctx.confirm(
            msg("draft.discard_title"),
            msg("draft.discard_body"),
            [(msg("draft.discard"), discard, True)],
        )

    def content(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        errors = vm.field_errors
        parts: list[ft.Control] = [
            ft.Text(
                t("intake.step", step=vm.step + 1, total=STEPS, name=t(f"intake.step.{vm.step}")),
                size=sz(TEXT),
                weight=ft.FontWeight.W_600,
            ),
            ft.ProgressBar(value=(vm.step + 1) / STEPS, height=6),
        ]
        if vm.resumed:
            parts.append(info_line(t("draft.resumed"), ft.Icons.RESTORE))
        if vm.step == 0:
            self.title_field.error = tr(errors.get("title")) or None
            parts += [
                tid("case-title", self.title_field),
                label(t("field.category")),
                choice_row(
                    [(c.value, t(f"case.category.{c.value}")) for c in CaseCategory],
                    vm.category.value if vm.category else None,
                    self._choose("category"),
                    "intake-category",
                ),
                *([error_line(tr(errors["category"]))] if "category" in errors else []),
                label(t("field.source")),
                choice_row(
                    [(s.value, t(f"case.source.{s.value}")) for s in CaseSource],
                    vm.source.value,
                    self._choose("source"),
                    "intake-source",
                ),
                self.description,
            ]
            if len(vm.units) > 1:
                parts += [
                    label(t("field.unit")),
                    choice_row(
                        [(str(u.id), u.name) for u in vm.units],
                        str(vm.unit_id) if vm.unit_id else None,
                        self._choose("unit"),
                    ),
                ]
        elif vm.step == 1:
            for index, party in enumerate(vm.parties):
                parts.append(self._party(index, party))
            parts.append(
                secondary_button(
                    t("intake.add_party"),
                    lambda _: vm.add_party(PartyRole.OTHER),
                    ft.Icons.PERSON_ADD,
                )
            )
        else:
            parts += self._summary()
        parts.append(
            secondary_button(
                t("draft.discard"), self._discard, ft.Icons.DELETE_OUTLINE, danger=True
            )
        )
        return parts

    def footer(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        buttons: list[ft.Control] = []
        if vm.step > 0:
            back = secondary_button(t("common.back"), self._back, ft.Icons.ARROW_BACK, expand=True)
            buttons.append(back)
        if vm.step < STEPS - 1:
            step = primary_button(
                t("common.next"), self._next, ft.Icons.ARROW_FORWARD, "intake-next", expand=True
            )
        else:
            step = primary_button(
                t("intake.save"), self._save, ft.Icons.SAVE, "case-save", expand=True
            )
        buttons.append(step)
        return [error_line(self.ctx.tr(vm.error)), ft.Row(buttons, spacing=8)]

    def _party(self, index: int, party: dict[str, str]) -> ft.Control:
        t, tr = self.ctx.t, self.ctx.tr
        errors = self.vm.field_errors

        def field(name: str, keyboard: ft.KeyboardType = ft.KeyboardType.TEXT) -> ft.TextField:
            control = text_field(
                t(f"field.{name}"), party[name], self._set_party(index, name), keyboard=keyboard
            )
            control.error = tr(errors.get(f"parties.{index}.{name}")) or None
            return control

        def role(value: str) -> None:
            self.vm.set_party(index, "role", value)
            self.render()

        name = field("name")
        return card(
            [
                ft.Row(
                    [
                        ft.Text(
                            t("intake.party", number=index + 1),
                            weight=ft.FontWeight.W_600,
                            size=sz(TEXT),
                            expand=True,
                        ),
                        icon_button(
                            ft.Icons.DELETE_OUTLINE,
                            t("intake.remove_party"),
                            lambda _: self.vm.remove_party(index),
                        ),
                    ]
                ),
                choice_row(
                    [(r.value, t(f"party.role.{r.value}")) for r in PartyRole], party["role"], role
                ),
                tid(f"party-{index}-name", name),
                field("phone", ft.KeyboardType.PHONE),
                field("id_number"),
            ]
        )

    def _summary(self) -> list[ft.Control]:
        t, vm = self.ctx.t, self.vm
        category = t(f"case.category.{vm.category.value}") if vm.category else "—"
        lines: list[ft.Control] = [
            ft.Text(vm.title, size=sz(TEXT) + 2, weight=ft.FontWeight.W_600),
            label(f"{t('field.category')}: {category}"),
            label(f"{t('field.source')}: {t(f'case.source.{vm.source.value}')}"),
        ]
        if vm.description:
            lines.append(ft.Text(vm.description, size=sz(TEXT)))
        for _, party in vm.named_parties():
            lines.append(label(f"{t('party.role.' + party['role'])}: {party['name']}"))
        return [card(lines), info_line(t("intake.saved_offline"), ft.Icons.CLOUD_OFF)]
