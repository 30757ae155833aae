"""Open conflicts: the overwritten value beside the current one, who changed
it and when, and the two ways to settle it."""

import flet as ft

from field_app.viewmodels.supervision_conflicts import ConflictRow, ConflictsViewModel
from field_app.views.supervision_common import WorkspaceView, district_time
from field_app.views.theme import SMALL, TEXT, sz
from field_app.views.widgets import label, primary_button, secondary_button, tid


class ConflictsView(WorkspaceView):
    vm: ConflictsViewModel
    two_pane = False

    def title(self) -> str:
        return self.ctx.t("screen.conflicts")

    def _handler(self, action: str, row: ConflictRow):  # type: ignore[no-untyped-def]
        async def act(_: ft.Event[ft.Control]) -> None:
            await self._work(getattr(self.vm, action), row.id)

        return act

    def content(self) -> list[ft.Control]:
        t = self.ctx.t
        cards: list[ft.Control] = [label(t("conflicts.count", count=len(self.vm.rows)))]
        cards += [tid("conflict-item", self._card(row)) for row in self.vm.rows]
        if not self.vm.rows and self.vm.error is None:
            cards.append(self.empty(t("conflicts.empty")))
        return [*self.problem(), tid("conflict-list", ft.Column(cards, spacing=10))]

    def _card(self, row: ConflictRow) -> ft.Control:
        t = self.ctx.t
        conflict = row.conflict
        what = t(f"table.{conflict.table_name}") if conflict.table_name else ""
        heading = " · ".join(
            p for p in (what, row.record_label, t("conflicts.field", field=conflict.field)) if p
        )
        when = t("format.when", when=district_time(row.changed_at))
        values = ft.Row(
            [
                _value(
                    t("conflicts.current"),
                    row.current,
                    t("conflicts.by", who=row.changed_by or "—", when=when),
                ),
                _value(
                    t("conflicts.overwritten"),
                    row.overwritten,
                    t("conflicts.from_version", version=conflict.overwritten_version),
                ),
            ],
            spacing=12,
            vertical_alignment=ft.CrossAxisAlignment.START,
        )
        actions = ft.Row(
            [
                primary_button(
                    t("conflicts.keep"),
                    self._handler("keep_current", row),
                    ft.Icons.CHECK,
                    "conflict-keep",
                ),
                secondary_button(
                    t("conflicts.restore"),
                    self._handler("restore", row),
                    ft.Icons.RESTORE,
                    "conflict-restore",
                ),
            ],
            spacing=10,
            wrap=True,
        )
        return ft.Container(
            ft.Column(
                [ft.Text(heading, size=sz(TEXT), weight=ft.FontWeight.W_600), values, actions],
                spacing=10,
            ),
            padding=14,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            border_radius=12,
        )


def _value(title: str, value: str, note: str) -> ft.Control:
    return ft.Container(
        ft.Column(
            [
                label(title),
                ft.Text(value, size=sz(TEXT)),
                ft.Text(note, size=sz(SMALL), color=ft.Colors.ON_SURFACE_VARIANT),
            ],
            spacing=4,
        ),
        expand=True,
        padding=12,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        border_radius=10,
    )
