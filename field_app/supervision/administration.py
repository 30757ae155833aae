"""The admin section of the desk over HTTP: the org tree, the staff and
their accounts, transfers, imports, templates and exports
(``/api/v1/admin/…``, docs/protocol.md "Administration").

Like the rest of the workspace, nothing here is kept on the device: the
desk is online, and a one-time password the server hands out is shown once
and never stored.
"""

from dataclasses import dataclass
from uuid import UUID

from pydantic import BaseModel, TypeAdapter

from field_app.supervision.client import SupervisionClient, read_answer
from shared_models.protocol.admin import AccountAction, DeviceInfo, PasswordReset
from shared_models.protocol.administration import (
    ImportReport,
    OrgUnitAdmin,
    OrgUnitCreate,
    OrgUnitEdit,
    OrgUnitMove,
    RoleChange,
    SheetFormat,
    SheetKind,
    StaffCreate,
    StaffCreated,
    StaffEdit,
    StaffMember,
    StaffMove,
    StaffPage,
)
from shared_models.protocol.transfers import TransferCreate, TransferDone

_UNITS = TypeAdapter(list[OrgUnitAdmin])
_DEVICES = TypeAdapter(list[DeviceInfo])
SHEET_TYPES = {
    SheetFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    SheetFormat.CSV: "text/csv",
}


@dataclass(frozen=True)
class StaffQuery:
    """The staff list's filters, as the screen shows them."""

    org_unit_id: UUID | None = None
    search: str = ""
    include_inactive: bool = True
    offset: int = 0
    limit: int = 100

    def params(self) -> dict[str, str | int]:
        values: dict[str, str | int] = {"offset": self.offset, "limit": self.limit}
        if self.org_unit_id is not None:
            values["unit_id"] = str(self.org_unit_id)
        if self.search.strip():
            values["q"] = self.search.strip()
        values["include_inactive"] = "true" if self.include_inactive else "false"
        return values


def _body(model: BaseModel) -> dict[str, object]:
    return model.model_dump(mode="json", exclude_none=True)


class AdministrationClient(SupervisionClient):
    """The admin section's calls; blocking, so screens run them off the UI loop."""

    # -- the org tree ----------------------------------------------------------------

    def org_units(self) -> list[OrgUnitAdmin]:
        return read_answer(self._send("GET", "/admin/org-units"), _UNITS)

    def create_unit(self, body: OrgUnitCreate) -> OrgUnitAdmin:
        response = self._send("POST", "/admin/org-units", json=_body(body), expected=(200, 201))
        return read_answer(response, OrgUnitAdmin)

    def edit_unit(self, unit_id: UUID, body: OrgUnitEdit) -> OrgUnitAdmin:
        response = self._send("PATCH", f"/admin/org-units/{unit_id}", json=_body(body))
        return read_answer(response, OrgUnitAdmin)

    def move_unit(self, unit_id: UUID, body: OrgUnitMove) -> OrgUnitAdmin:
        response = self._send("POST", f"/admin/org-units/{unit_id}/move", json=_body(body))
        return read_answer(response, OrgUnitAdmin)

    def close_unit(self, unit_id: UUID, closed: bool, reason: str) -> OrgUnitAdmin:
        """Close a unit (nothing new goes there; what points to it stays), or reopen it."""
        action = "close" if closed else "reopen"
        body = _body(AccountAction(reason=reason))
        response = self._send("POST", f"/admin/org-units/{unit_id}/{action}", json=body)
        return read_answer(response, OrgUnitAdmin)

    # -- staff -----------------------------------------------------------------------

    def staff(self, query: StaffQuery) -> StaffPage:
        return read_answer(self._send("GET", "/admin/users", params=query.params()), StaffPage)

    def create_staff(self, body: StaffCreate) -> StaffCreated:
        response = self._send("POST", "/admin/users", json=_body(body), expected=(200, 201))
        return read_answer(response, StaffCreated)

    def edit_staff(self, user_id: UUID, body: StaffEdit) -> StaffMember:
        response = self._send("PATCH", f"/admin/users/{user_id}", json=_body(body))
        return read_answer(response, StaffMember)

    def change_role(self, user_id: UUID, body: RoleChange) -> StaffMember:
        response = self._send("POST", f"/admin/users/{user_id}/role", json=_body(body))
        return read_answer(response, StaffMember)

    def move_staff(self, user_id: UUID, body: StaffMove) -> StaffMember:
        response = self._send("POST", f"/admin/users/{user_id}/move", json=_body(body))
        return read_answer(response, StaffMember)

    def reset_password(self, user_id: UUID, reason: str) -> PasswordReset:
        """A one-time password: every device of the user is signed out."""
        body = _body(AccountAction(reason=reason))
        response = self._send("POST", f"/admin/users/{user_id}/reset-password", json=body)
        return read_answer(response, PasswordReset)

    def set_active(self, user_id: UUID, active: bool, reason: str) -> None:
        """Deactivate (every token of the user ends at once) or reactivate."""
        action = "reactivate" if active else "deactivate"
        body = _body(AccountAction(reason=reason))
        self._send("POST", f"/admin/users/{user_id}/{action}", json=body, expected=(204,))

    # -- transfers -------------------------------------------------------------------

    def transfer(self, body: TransferCreate) -> TransferDone:
        return read_answer(self._send("POST", "/transfers", json=_body(body)), TransferDone)

    # -- spreadsheets ----------------------------------------------------------------

    def import_sheet(
        self,
        kind: SheetKind,
        file_name: str,
        data: bytes,
        *,
        only_valid: bool,
        dry_run: bool,
    ) -> ImportReport:
        """Send a file as it is (the body is the file); the server checks
        every row first and writes nothing when one fails (unless
        ``only_valid``), nor anything on a ``dry_run``."""
        kind_of_file = SheetFormat.CSV if file_name.lower().endswith(".csv") else SheetFormat.XLSX
        params = {
            "only_valid": "true" if only_valid else "false",
            "dry_run": "true" if dry_run else "false",
        }
        response = self._send(
            "POST",
            f"/admin/sheets/{kind.value}/import",
            params=params,
            content=data,
            headers={"Content-Type": SHEET_TYPES[kind_of_file]},
        )
        return read_answer(response, ImportReport)

    def template(self, kind: SheetKind, sheet_format: SheetFormat) -> bytes:
        path = f"/admin/sheets/{kind.value}/template"
        return self._send("GET", path, params={"format": sheet_format.value}).content

    def export_sheet(self, kind: SheetKind, sheet_format: SheetFormat) -> bytes:
        path = f"/admin/sheets/{kind.value}/export"
        return self._send("GET", path, params={"format": sheet_format.value}).content

    def devices_of(self, user_id: UUID) -> list[DeviceInfo]:
        """The devices one person has signed in on."""
        response = self._send("GET", "/admin/devices", params={"user_id": str(user_id)})
        return read_answer(response, _DEVICES)

    def staff_member(self, user_id: UUID) -> StaffMember:
        return read_answer(self._send("GET", f"/admin/users/{user_id}"), StaffMember)
