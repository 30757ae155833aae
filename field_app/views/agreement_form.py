"""The agreement's drafting form: parties, facts, obligations, how and by
when they are performed, the mediator and the committee. Everything typed
is kept in a draft (``viewmodels/agreement_form.py``); "Read back" writes
the complete terms and opens the agreement for reading aloud and signing
(``views/agreements.py``)."""

from collections.abc import Callable

import flet as ft

from field_app.i18n import msg
from field_app.viewmodels.agreement_form import AgreementFormViewModel
from field_app.viewmodels.nav import Route, Screen
from field_app.views.screen import ScreenView
from field_app.views.theme import TEXT, sz
from field_app.views.widgets import (
    card,
    choice_row,
    date_field,
    error_line,
    heading,
    info_line,
    label,
    primary_button,
    secondary_button,
    text_field,
    tid,
)
from shared_models.domain.cases import PartyRole


class AgreementFormView(ScreenView):
    vm: AgreementFormViewModel
    editing = True

    def title(self) -> str:
        if self.vm.supersedes_id is not None:
            return self.ctx.t("screen.agreement_correction")
        return self.ctx.t("screen.agreement_new")

    # -- fields -----------------------------------------------------------------------

    def _error(self, key: str) -> str | None:
        found = self.vm.field_errors.get(key)
        return self.ctx.tr(found) if found else None

    def _field(
        self,
        identifier: str,
        text: str,
        value: str,
        on_change: Callable[[str], None],
        error_key: str,
        multiline: bool = False,
    ) -> ft.Control:
        def changed(e: ft.Event[ft.TextField]) -> None:
            self.ctx.app.core.touch()
            on_change(e.control.value or "")

        field = text_field(text, value, changed, multiline=multiline, error=self._error(error_key))
        return tid(identifier, field)

    def _date_field(
        self,
        identifier: str,
        text: str,
        value: str,
        on_change: Callable[[str], None],
        error_key: str,
    ) -> ft.Control:
        """A ``YYYY-MM-DD`` field with a calendar beside it."""

        def changed(e: ft.Event[ft.TextField]) -> None:
            self.ctx.app.core.touch()
            on_change(e.control.value or "")

        def picked(day: str) -> None:
            self.ctx.app.core.touch()
            on_change(day)

        field = text_field(
            text, value, changed, error=self._error(error_key), keyboard=ft.KeyboardType.DATETIME
        )
        return date_field(field, picked, self.ctx.date_texts(), identifier)

    def _party(self, index: int, party: dict[str, str]) -> ft.Control:
        t, vm = self.ctx.t, self.vm

        def setter(name: str) -> Callable[[str], None]:
            return lambda value: vm.set_party(index, name, value)

        def role(value: str) -> None:
            vm.set_party(index, "role", value)
            vm.notify()

        parts: list[ft.Control] = [
            ft.Text(t("agreement.party_n", n=index + 1), weight=ft.FontWeight.W_600, size=sz(TEXT)),
            choice_row(
                [(r.value, t(f"party.role.{r.value}")) for r in PartyRole], party["role"], role
            ),
            self._field(
                f"agreement-party-{index}-name",
                t("field.name"),
                party["name"],
                setter("name"),
                f"parties.{index}.name",
            ),
            self._field(
                f"agreement-party-{index}-id",
                t("field.id_number"),
                party["id_number"],
                setter("id_number"),
                f"parties.{index}.id_number",
            ),
            self._field(
                f"agreement-party-{index}-phone",
                t("field.phone"),
                party["phone"],
                setter("phone"),
                f"parties.{index}.phone",
            ),
            self._field(
                f"agreement-party-{index}-address",
                t("field.address"),
                party["address"],
                setter("address"),
                f"parties.{index}.address",
            ),
        ]
        if len(vm.parties) > 2:
            parts.append(
                secondary_button(
                    t("agreement.party_remove"),
                    lambda _: vm.remove_party(index),
                    ft.Icons.PERSON_REMOVE,
                    danger=True,
                )
            )
        return card(parts)

    def _obligation(self, index: int, obligation: dict[str, str]) -> ft.Control:
        t, vm = self.ctx.t, self.vm

        def setter(name: str) -> Callable[[str], None]:
            return lambda value: vm.set_obligation(index, name, value)

        parts: list[ft.Control] = [
            ft.Text(
                t("agreement.obligation_n", n=index + 1), weight=ft.FontWeight.W_600, size=sz(TEXT)
            ),
            self._field(
                f"obligation-{index}-obligor",
                t("agreement.obligor"),
                obligation["obligor"],
                setter("obligor"),
                f"obligations.{index}.obligor",
            ),
            self._field(
                f"obligation-{index}-action",
                t("agreement.action"),
                obligation["action"],
                setter("action"),
                f"obligations.{index}.action",
                multiline=True,
            ),
            self._date_field(
                f"obligation-{index}-due",
                t("agreement.due"),
                obligation["due"],
                setter("due"),
                f"obligations.{index}.due",
            ),
            self._field(
                f"obligation-{index}-method",
                t("agreement.method"),
                obligation["method"],
                setter("method"),
                f"obligations.{index}.method",
            ),
        ]
        if len(vm.obligations) > 1:
            parts.append(
                secondary_button(
                    t("agreement.obligation_remove"),
                    lambda _: vm.remove_obligation(index),
                    ft.Icons.DELETE_OUTLINE,
                    danger=True,
                )
            )
        return card(parts)

    def content(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm

        def setter(name: str) -> Callable[[str], None]:
            return lambda value: vm.set(name, value)

        parts: list[ft.Control] = [
            ft.Text(vm.case_title, size=sz(TEXT) + 2, weight=ft.FontWeight.W_600)
        ]
        if vm.resumed:
            parts.append(info_line(t("draft.resumed"), ft.Icons.RESTORE))
        parts.append(heading(t("agreement.parties")))
        if "parties" in vm.field_errors:
            parts.append(label(tr(vm.field_errors["parties"]), ft.Colors.RED_800))
        parts += [self._party(i, p) for i, p in enumerate(vm.parties)]
        parts.append(
            secondary_button(
                t("agreement.party_add"),
                lambda _: vm.add_party(),
                ft.Icons.PERSON_ADD,
                "agreement-party-add",
            )
        )
        parts += [
            heading(t("agreement.facts")),
            self._field(
                "agreement-facts",
                t("agreement.facts_label"),
                vm.facts,
                setter("facts"),
                "facts",
                multiline=True,
            ),
            heading(t("agreement.obligations_title")),
        ]
        if "obligations" in vm.field_errors:
            parts.append(label(tr(vm.field_errors["obligations"]), ft.Colors.RED_800))
        parts += [self._obligation(i, o) for i, o in enumerate(vm.obligations)]
        parts += [
            secondary_button(
                t("agreement.obligation_add"),
                lambda _: vm.add_obligation(),
                ft.Icons.ADD_TASK,
                "obligation-add",
            ),
            heading(t("agreement.performance")),
            self._field(
                "agreement-method",
                t("agreement.performance_method"),
                vm.performance_method,
                setter("performance_method"),
                "performance_method",
            ),
            self._date_field(
                "agreement-deadline",
                t("agreement.performance_deadline"),
                vm.performance_deadline,
                setter("performance_deadline"),
                "performance_deadline",
            ),
            heading(t("agreement.people")),
            self._field(
                "agreement-mediator",
                t("agreement.mediator"),
                vm.mediator_name,
                setter("mediator_name"),
                "mediator_name",
            ),
            self._field(
                "agreement-committee",
                t("agreement.committee"),
                vm.committee_name,
                setter("committee_name"),
                "committee_name",
            ),
            label(t("agreement.saved_offline")),
            secondary_button(
                t("draft.discard"), self._discard, ft.Icons.DELETE_OUTLINE, danger=True
            ),
        ]
        return parts

    def footer(self) -> list[ft.Control]:
        return [
            error_line(self.ctx.tr(self.vm.error)),
            primary_button(
                self.ctx.t("agreement.read_back"),
                self._read_back,
                ft.Icons.CHROME_READER_MODE,
                "agreement-read-back",
                self.busy or self.vm.sealed,
            ),
        ]

    async def _read_back(self, _: ft.Event[ft.Control]) -> None:
        if await self.work(self.vm.read_back):
            self.ctx.replace(Route.to(Screen.AGREEMENT, id=str(self.vm.agreement_id)))
        self.ctx.page.update()

    def _discard(self, _: ft.Event[ft.Control]) -> None:
        def discard() -> None:
            self.vm.discard()
            self.ctx.back()

        self.ctx.confirm(
            msg("draft.discard_title"),
            msg("draft.discard_body"),
            [(msg("draft.discard"), discard, True)],
        )
