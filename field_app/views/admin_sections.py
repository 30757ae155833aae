"""Which view draws which part of the admin section (the view-model says
which section it is: ``viewmodels/admin_sections.py`` chose it)."""

from field_app.viewmodels.admin import AdminModel, Section
from field_app.views.admin_common import AdminView
from field_app.views.admin_imports import ImportsView
from field_app.views.admin_org import OrgTreeView
from field_app.views.admin_staff import StaffView
from field_app.views.admin_transfers import TransfersView
from field_app.views.context import ViewContext

_VIEWS: dict[Section, type[AdminView]] = {
    Section.STAFF: StaffView,
    Section.ORG: OrgTreeView,
    Section.TRANSFERS: TransfersView,
    Section.IMPORTS: ImportsView,
}


def admin_view(ctx: ViewContext, vm: AdminModel) -> AdminView:
    return _VIEWS[vm.section](ctx, vm)
