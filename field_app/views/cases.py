"""Cases: the list with search and filters, and the case page."""

import asyncio

import flet as ft

from field_app.viewmodels.cases import CaseDetailViewModel, CaseListViewModel, StatusFilter
from field_app.viewmodels.nav import Route, Screen
from field_app.views.case_file import case_file_section
from field_app.views.case_progress import number_line, progress_section
from field_app.views.screen import ScreenView
from field_app.views.theme import OVERDUE, PRIMARY, TEXT, UNSENT, WARNING, sz
from field_app.views.widgets import (
    badge,
    card,
    choice_row,
    heading,
    label,
    list_row,
    primary_button,
    secondary_button,
    text_field,
    thumbnails,
    tid,
)
from shared_models.domain.cases import CaseCategory
from shared_models.domain.visits import VisitKind


class CaseListView(ScreenView):
    vm: CaseListViewModel

    def __init__(self, ctx, vm) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, vm)
        self.search = text_field(ctx.t("cases.search"), vm.search, self._search)
        self.search.prefix_icon = ft.Icons.SEARCH
        self.rows = ft.Column(spacing=0)

    def title(self) -> str:
        return self.ctx.t("screen.cases")

    def _search(self, e: ft.Event[ft.TextField]) -> None:
        self.ctx.app.core.touch()
        self.vm.set_search(e.control.value or "")

    def _new(self, _: ft.Event[ft.Control]) -> None:
        self.ctx.go(Route(Screen.CASE_NEW))

    def _open(self, case_id: str):  # type: ignore[no-untyped-def]
        def open_case(_: ft.Event[ft.Control]) -> None:
            self.ctx.go(Route.to(Screen.CASE, id=case_id))

        return open_case

    def content(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        rows: list[ft.Control] = []
        for row in vm.rows:
            badges = [badge(tr(row.status), ft.Colors.BLUE_800)]
            if row.follow_up is not None:
                badges.append(
                    badge(tr(row.follow_up), OVERDUE if row.follow_up_due else ft.Colors.GREY_700)
                )
            if row.unsent:
                badges.append(badge(t("record.unsent"), UNSENT))
            rows.append(
                list_row(
                    row.title,
                    " · ".join(
                        part
                        for part in (
                            row.number,
                            tr(row.category),
                            t("cases.opened_on", day=row.opened_on),
                        )
                        if part
                    ),
                    badges,
                    on_click=self._open(str(row.id)),
                )
            )
        if not rows:
            rows.append(ft.Container(label(tr(vm.empty_text), size=sz(TEXT)), padding=20))
        self.rows.controls = rows
        categories = [("", t("cases.all_categories"))] + [
            (c.value, t(f"case.category.{c.value}")) for c in CaseCategory
        ]
        return [
            primary_button(t("cases.new"), self._new, ft.Icons.ADD, "case-new"),
            self.search,
            choice_row(
                [(f.value, t(f"cases.filter.{f.value}")) for f in StatusFilter],
                vm.status_filter.value,
                lambda value: vm.set_status_filter(StatusFilter(value)),
                "cases-status-filter",
            ),
            ft.ExpansionTile(
                title=ft.Text(t("cases.category_filter"), size=sz(TEXT)),
                subtitle=ft.Text(
                    t(f"case.category.{vm.category.value}")
                    if vm.category
                    else t("cases.all_categories")
                ),
                controls=[
                    choice_row(
                        categories,
                        vm.category.value if vm.category else "",
                        lambda value: vm.set_category(CaseCategory(value) if value else None),
                    )
                ],
            ),
            label(t("cases.count", count=len(vm.rows))),
            self.rows,
        ]


class CaseDetailView(ScreenView):
    vm: CaseDetailViewModel
    keeps_ids = True
    fetching = False

    def control(self) -> ft.Control:
        if self.vm.missing_photos and not self.fetching:
            self.fetching = True
            self.ctx.page.run_task(self._fetch_photos)
        return super().control()

    async def _fetch_photos(self) -> None:
        """Photos another device took arrive after the page is shown (a
        placeholder until then, and when there is no network)."""
        if await asyncio.to_thread(self.vm.fetch_photos):
            self.render()
            self.ctx.page.update()

    def title(self) -> str:
        return self.vm.title or self.ctx.t("screen.case")

    def _visit(self, kind: VisitKind):  # type: ignore[no-untyped-def]
        def record(_: ft.Event[ft.Control]) -> None:
            self.ctx.go(Route.to(Screen.VISIT_NEW, case=str(self.vm.case_id), kind=kind.value))

        return record

    def _agreement(self, agreement_id: str):  # type: ignore[no-untyped-def]
        def open_agreement(_: ft.Event[ft.Control]) -> None:
            self.ctx.go(Route.to(Screen.AGREEMENT, id=agreement_id))

        return open_agreement

    def _thumbs(self, hashes: list[str]) -> ft.Control:
        return thumbnails(
            self.vm.previews(hashes),
            photo_label=lambda n: self.ctx.t("photo.n", n=n),
        )

    def _go(self, route: Route):  # type: ignore[no-untyped-def]
        def go(_: ft.Event[ft.Control]) -> None:
            self.ctx.go(route)

        return go

    def _parties(self) -> list[ft.Control]:
        """The parties; each opens its form until the agreement is sealed."""
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        case = str(vm.case_id)
        parts: list[ft.Control] = [heading(t("case.parties", count=len(vm.parties)))]
        for index, p in enumerate(vm.parties):
            row = list_row(
                p.name,
                f"{tr(p.role)}{' · ' + p.phone if p.phone else ''}",
                on_click=None
                if vm.parties_locked
                else self._go(Route.to(Screen.PARTY_EDIT, case=case, party=str(p.id))),
            )
            parts.append(row if vm.parties_locked else tid(f"party-edit-{index}", row))
        if not vm.parties:
            parts.append(label(t("case.no_parties")))
        if vm.parties_locked:
            parts.append(label(t("case.parties_sealed")))
        elif vm.is_open:
            parts.append(
                secondary_button(
                    t("case.party_add"),
                    self._go(Route.to(Screen.PARTY_EDIT, case=case)),
                    ft.Icons.PERSON_ADD,
                    "party-add",
                )
            )
        return parts

    def content(self) -> list[ft.Control]:
        t, tr, vm = self.ctx.t, self.ctx.tr, self.vm
        if not vm.found:
            return [label(t("case.not_found"), size=sz(TEXT))]
        case = vm.case
        assert case is not None
        opened = self.ctx.translator.day(case.opened_at)
        badges = [
            badge(tr(vm.status), ft.Colors.BLUE_800),
            badge(tr(vm.category), ft.Colors.TEAL_800),
        ]
        if vm.unsent:
            badges.append(badge(t("record.unsent"), UNSENT))
        progress = vm.progress
        parts: list[ft.Control] = [
            *(number_line(self.ctx, progress) if progress else []),
            ft.Row(badges, wrap=True, spacing=6),
            label(f"{t('field.source')}: {tr(vm.source)} · {t('cases.opened_on', day=opened)}"),
        ]
        if case.description:
            parts.append(ft.Text(case.description, size=sz(TEXT)))
        if progress is not None:
            parts += progress_section(self.ctx, progress, self._go)
        parts += self._parties()
        parts.append(heading(t("case.timeline", count=len(vm.timeline))))
        if not vm.timeline:
            parts.append(label(t("case.no_visits")))
        for item in vm.timeline:
            lines: list[ft.Control] = [
                ft.Row(
                    [
                        ft.Text(tr(item.kind), weight=ft.FontWeight.W_600, size=sz(TEXT)),
                        label(t("format.when", when=item.when)),
                        *([badge(t("record.unsent"), UNSENT)] if item.unsent else []),
                    ],
                    wrap=True,
                )
            ]
            if item.notes:
                lines.append(ft.Text(item.notes, size=sz(TEXT)))
            if item.outcome:
                lines.append(label(f"{t('field.outcome')}: {item.outcome}"))
            if item.location is not None:
                lines.append(label(tr(item.location)))
            if item.photos:
                lines.append(self._thumbs(item.photos))
            parts.append(card(lines))
        if vm.case_photos:
            parts += [heading(t("case.photos")), self._thumbs(vm.case_photos)]
        parts.append(heading(t("case.agreements", count=len(vm.agreements))))
        if not vm.agreements:
            parts.append(label(t("case.no_agreements")))
        for agreement in vm.agreements:
            signed = (
                t("agreement.signed_at", when=agreement.signed_at) if agreement.signed_at else ""
            )
            chain = []
            if agreement.corrects:
                chain.append(badge(t("agreement.corrects", number=agreement.corrects), PRIMARY))
            if agreement.corrected_by:
                chain.append(
                    badge(t("agreement.corrected_by", number=agreement.corrected_by), OVERDUE)
                )
            parts.append(
                list_row(
                    f"{tr(agreement.status)} {agreement.number}",
                    f"{t('agreement.obligations', count=agreement.obligations)} {signed}",
                    chain,
                    on_click=self._agreement(str(agreement.id)),
                )
            )
        if vm.is_open:
            parts.append(
                ft.Row(
                    [
                        secondary_button(
                            t("visit.new"),
                            self._visit(VisitKind.MEDIATION_SESSION),
                            ft.Icons.ADD,
                            "visit-new",
                        ),
                        secondary_button(
                            t("case.edit"),
                            self._go(Route.to(Screen.CASE_EDIT, id=str(vm.case_id))),
                            ft.Icons.EDIT,
                            "case-edit",
                        ),
                    ],
                    wrap=True,
                    spacing=8,
                    run_spacing=8,
                )
            )
        if vm.reviews:
            parts.append(heading(t("case.reviews")))
            for review in vm.reviews:
                color = WARNING if review.needs_changes else ft.Colors.GREY_800
                parts.append(
                    card(
                        [
                            ft.Text(tr(review.state), color=color, weight=ft.FontWeight.W_600),
                            *([ft.Text(review.comment)] if review.comment else []),
                        ]
                    )
                )
        parts += case_file_section(self, vm.case_file)
        column = ft.Column(parts, spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        return [tid("case-detail", column)]
