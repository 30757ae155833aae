"""The district's administration on the wire: the district, its org tree,
its staff, imports and exports (``/api/v1/admin/…``, docs/protocol.md
"Administration"). The desk's admin section speaks only these models.

Every change carries a ``reason``: it goes into the audit chain with who
made it, so it states the decision, never a person's circumstances.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared_models.domain.org import OrgUnitKind, Role
from shared_models.domain.types import RecordId, ShortText, UtcDatetime

Reason = ShortText
"""Why, for the audit chain (at most 200 characters; no personal data)."""

PhoneText = ShortText
"""A phone as a person writes it; the server normalises it (digits, an
optional leading +) and refuses what is not a phone number."""


class DistrictInfo(BaseModel):
    """The district this server serves (``GET /admin/district``)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    code: str
    time_zone: str
    demo: bool
    root_unit_id: RecordId
    signing_key_id: str | None
    """The district key's id, or none when the server has no key yet (demo)."""


# --- the org tree -----------------------------------------------------------


class OrgUnitAdmin(BaseModel):
    """One unit of the tree as the admin section shows it."""

    model_config = ConfigDict(extra="forbid")

    id: RecordId
    version: int
    kind: OrgUnitKind
    parent_id: RecordId | None
    name: str
    short_name: str
    code: str
    address: str
    contact_person: str
    contact_phone: str
    closed: bool
    active_staff: int
    """Active users placed at this unit (not below it)."""


class OrgUnitCreate(BaseModel):
    """A new office under the district or a committee under an office."""

    model_config = ConfigDict(strict=True, extra="forbid")

    kind: OrgUnitKind = Field(strict=False)
    parent_id: RecordId
    name: ShortText = Field(min_length=1)
    short_name: ShortText = Field(min_length=1, max_length=20)
    code: ShortText = Field(min_length=1, max_length=40)
    address: ShortText = ""
    contact_person: ShortText = ""
    contact_phone: PhoneText = ""
    reason: Reason = Field(min_length=1)


class OrgUnitEdit(BaseModel):
    """Rename a unit or change its details: only the fields given change."""

    model_config = ConfigDict(strict=True, extra="forbid")

    name: ShortText | None = Field(default=None, min_length=1)
    short_name: ShortText | None = Field(default=None, min_length=1, max_length=20)
    code: ShortText | None = Field(default=None, min_length=1, max_length=40)
    address: ShortText | None = None
    contact_person: ShortText | None = None
    contact_phone: PhoneText | None = None
    reason: Reason = Field(min_length=1)


class OrgUnitMove(BaseModel):
    """Put a committee under another office (or an office under the district)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    parent_id: RecordId
    reason: Reason = Field(min_length=1)


# --- staff ------------------------------------------------------------------


class StaffMember(BaseModel):
    """One user as the admin section lists them."""

    model_config = ConfigDict(extra="forbid")

    id: RecordId
    version: int
    username: str
    display_name: str
    role: Role
    org_unit_id: RecordId
    org_unit_name: str
    phone: str
    active: bool
    must_change_password: bool
    devices: int
    """Devices with a live sign-in of this user."""
    last_seen_at: UtcDatetime | None


class StaffPage(BaseModel):
    """``GET /admin/users``: one page, and how many match in all."""

    model_config = ConfigDict(extra="forbid")

    items: list[StaffMember]
    total: int


class StaffCreate(BaseModel):
    """A new account; it is given a one-time password, to change at first sign-in."""

    model_config = ConfigDict(strict=True, extra="forbid")

    username: ShortText = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    display_name: ShortText = Field(min_length=1)
    role: Role = Field(strict=False)
    org_unit_id: RecordId
    phone: PhoneText = ""
    reason: Reason = Field(min_length=1)


class StaffCreated(BaseModel):
    """The new account, and its one-time password (shown once; hand it over in person)."""

    model_config = ConfigDict(extra="forbid")

    member: StaffMember
    one_time_password: str


class StaffEdit(BaseModel):
    """Change a user's name or phone: only the fields given change."""

    model_config = ConfigDict(strict=True, extra="forbid")

    display_name: ShortText | None = Field(default=None, min_length=1)
    phone: PhoneText | None = None
    reason: Reason = Field(min_length=1)


class RoleChange(BaseModel):
    """Give a user another role (admins only)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    role: Role = Field(strict=False)
    reason: Reason = Field(min_length=1)


class StaffMove(BaseModel):
    """Place a user at another unit; their devices resync to the new jurisdiction."""

    model_config = ConfigDict(strict=True, extra="forbid")

    org_unit_id: RecordId
    reason: Reason = Field(min_length=1)


# --- imports and exports ------------------------------------------------------


class SheetKind(StrEnum):
    """What a spreadsheet holds; one template, import and export each."""

    ORG_UNITS = "org_units"
    STAFF = "staff"
    SUBJECTS = "subjects"
    CASES = "cases"


class SheetFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


class ImportProblem(BaseModel):
    """One thing wrong with a file, where it is and how to fix it (in Chinese:
    the people who fix ledgers read Chinese). ``row`` is the spreadsheet's own
    row number (the header is row 1); none for a problem of the whole file."""

    model_config = ConfigDict(extra="forbid")

    sheet: str
    row: int | None
    column: str | None
    problem: str
    fix: str


class NewAccount(BaseModel):
    """An account a staff import created, with its one-time password (shown once)."""

    model_config = ConfigDict(extra="forbid")

    username: str
    display_name: str
    one_time_password: str


class ImportReport(BaseModel):
    """What an import found and did.

    ``written`` is false when nothing was written: the file had problems
    (and ``only_valid`` was not asked for) or it was a ``dry_run``. With
    ``only_valid`` the valid rows are written and ``problems`` lists the
    rows left out. Rows already in the district (matched by code, username
    or ID number) are counted in ``unchanged`` and never changed.
    """

    model_config = ConfigDict(extra="forbid")

    kind: SheetKind
    rows: int
    created: int
    unchanged: int
    refused: int
    written: bool
    dry_run: bool
    problems: list[ImportProblem]
    accounts: list[NewAccount] = Field(default_factory=list)
