"""Which view-model shows which part of the admin section: the route names
the section (``Route.to(Screen.ADMIN, section="org")``); a section the user
may not open, or none, is the first one they may."""

from field_app.core import FieldAppCore
from field_app.viewmodels.admin import AdminModel, Section, rights_of
from field_app.viewmodels.admin_imports import ImportsViewModel
from field_app.viewmodels.admin_org import OrgTreeViewModel
from field_app.viewmodels.admin_staff import StaffViewModel
from field_app.viewmodels.admin_transfers import TransfersViewModel

_MODELS: dict[Section, type[AdminModel]] = {
    Section.STAFF: StaffViewModel,
    Section.ORG: OrgTreeViewModel,
    Section.TRANSFERS: TransfersViewModel,
    Section.IMPORTS: ImportsViewModel,
}


def admin_section_model(core: FieldAppCore, section: str) -> AdminModel:
    allowed = rights_of(core).sections
    chosen = next((s for s in allowed if s.value == section), allowed[0])
    return _MODELS[chosen](core)
