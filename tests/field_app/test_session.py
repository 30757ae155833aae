"""Sign-in and PIN on a device, against the real server in-process: the first
sign-in is online, later unlocks are offline, idle time locks, wrong PINs
count down to a wipe, and a revoked sign-in costs a password, not data."""

import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from field_app.config import AppSettings
from field_app.errors import Offline, RequestRejected
from field_app.security.keystore import (
    KEYSTORE_FILE,
    DataWipedError,
    KdfParams,
    PinRejectedError,
    WrongPinError,
)
from field_app.services.session import (
    TOKEN_CONTEXT,
    DeviceSession,
    DifferentUserError,
    LockedError,
    SessionState,
)
from field_app.storage.blobs import BLOB_FOLDER
from field_app.storage.db import DATABASE_FILE
from field_app.sync.blobs import NoBlobs
from field_app.sync.engine import SyncEngine
from field_app.sync.status import SyncState
from shared_models.protocol.errors import ErrorCode
from shared_models.protocol.tables import TableName
from sync_server.core.db import write_session
from sync_server.core.security import token_digest
from sync_server.tables import DeviceToken
from tests.factories import PASSWORD, case_fields
from tests.field_app.sync_fixtures import BASE_URL, Link, Server, running_server

PIN = "258147"
CHEAP_KDF = KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1)
IDLE = 60


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[Server]:
    with running_server(db_url, tmp_path / "server-blobs") as running:
        yield running


@pytest.fixture
def link(server: Server) -> Link:
    return Link(server.http)


@pytest.fixture
def device(link: Link, tmp_path: Path) -> Iterator[Callable[..., DeviceSession]]:
    """``device()`` starts the app on the phone (again: same data folder)."""
    clients: list[httpx.Client] = []

    def start(clock: Callable[[], float] | None = None, **settings: int) -> DeviceSession:
        http = httpx.Client(transport=link, base_url=BASE_URL)
        clients.append(http)
        options = {"idle_lock_seconds": IDLE, "max_pin_attempts": 4, "pin_warning_after": 2}
        options.update(settings)
        app = AppSettings(data_dir=tmp_path / "phone", **options)  # type: ignore[arg-type]
        return DeviceSession(app, http, kdf=CHEAP_KDF, clock=clock or Ticks(), device_name="t")

    yield start
    for http in clients:
        http.close()


def signed_in(session: DeviceSession, username: str = "mediator.baijia") -> DeviceSession:
    session.login(username, PASSWORD)
    session.set_pin(PIN)
    return session


def save_case(session: DeviceSession, server: Server) -> uuid.UUID:
    case_id = uuid.uuid4()
    session.data.store.records.save(
        TableName.CASES, case_id, case_fields(server.district.baijia.id)
    )
    return case_id


def engine_for(session: DeviceSession) -> SyncEngine:
    return SyncEngine(
        session.data.store,
        session.client,
        NoBlobs(),
        lambda: datetime.now(UTC),
        random.Random(0),
        settings=session.settings,
    )


def test_first_sign_in_then_pin_opens_an_encrypted_store(
    device: Callable[..., DeviceSession], tmp_path: Path
) -> None:
    session = device()
    assert session.state is SessionState.SIGNED_OUT
    user = session.login("mediator.baijia", PASSWORD)
    assert user.username == "mediator.baijia"
    assert session.state is SessionState.CHOOSE_PIN
    assert not (tmp_path / "phone" / DATABASE_FILE).exists()  # nothing stored before the PIN
    with pytest.raises(PinRejectedError):
        session.set_pin("123456")
    session.set_pin(PIN)
    assert session.state is SessionState.READY
    assert (tmp_path / "phone" / KEYSTORE_FILE).exists()
    assert session.client.me().user.username == "mediator.baijia"
    state = session.data.store.device.read()
    token = session.token()
    assert token
    assert state.token is not None
    assert token not in state.token
    assert session.data.cipher.decrypt_text(state.token, TOKEN_CONTEXT) == token
    assert state.device_id.startswith("dev-")
    assert state.user is not None
    assert state.user["username"] == "mediator.baijia"


def test_sign_in_needs_the_network_and_the_right_password(
    device: Callable[..., DeviceSession], link: Link
) -> None:
    session = device()
    with pytest.raises(RequestRejected) as refused:
        session.login("mediator.baijia", "wrong password")
    assert refused.value.code is ErrorCode.INVALID_CREDENTIALS
    link.up = False
    with pytest.raises(Offline):
        session.login("mediator.baijia", PASSWORD)
    assert session.state is SessionState.SIGNED_OUT


def test_later_starts_are_locked_and_unlock_offline_with_the_pin(
    device: Callable[..., DeviceSession], server: Server, link: Link
) -> None:
    first = signed_in(device())
    case_id = save_case(first, server)
    device_id = first.data.store.device.read().device_id
    first.lock()
    link.up = False
    again = device()
    assert again.state is SessionState.LOCKED
    with pytest.raises(LockedError):
        again.data  # noqa: B018
    delivered = len(link.delivered)
    again.unlock(PIN)
    assert len(link.delivered) == delivered  # no network involved
    assert again.state is SessionState.READY
    assert again.data.store.records.get("cases", case_id) is not None
    assert again.data.store.device.read().device_id == device_id


def test_idle_time_locks_and_activity_keeps_it_open(
    device: Callable[..., DeviceSession],
) -> None:
    clock = Ticks()
    session = signed_in(device(clock))
    closed: list[bool] = []
    session.add_lock_listener(lambda: closed.append(True))
    clock.now += IDLE - 1
    session.touch()
    clock.now += IDLE - 1
    assert session.state is SessionState.READY
    clock.now += 1
    assert session.locked
    assert session.state is SessionState.LOCKED
    assert closed == [True]
    with pytest.raises(LockedError):
        session.data  # noqa: B018
    session.unlock(PIN)
    assert session.state is SessionState.READY


def test_wrong_pins_count_down_warn_and_finally_wipe(
    device: Callable[..., DeviceSession], server: Server, tmp_path: Path
) -> None:
    session = signed_in(device())
    save_case(session, server)
    session.data.blobs.put(b"signature image", "image/png")
    session.lock()
    with pytest.raises(WrongPinError) as first:
        session.unlock("999999")
    assert (first.value.attempts_left, first.value.warn) == (3, False)
    restarted = device()  # the count survives a restart
    with pytest.raises(WrongPinError) as second:
        restarted.unlock("999998")
    assert (second.value.attempts_left, second.value.warn) == (2, True)
    with pytest.raises(WrongPinError) as third:
        restarted.unlock("999997")
    assert (third.value.attempts_left, third.value.warn) == (1, True)
    folder = tmp_path / "phone"
    assert (folder / DATABASE_FILE).exists()
    assert (folder / BLOB_FOLDER).exists()
    with pytest.raises(DataWipedError):
        restarted.unlock("999996")
    left = sorted(path.name for path in folder.iterdir())
    assert left == [], f"left after the wipe: {left}"
    assert restarted.state is SessionState.SIGNED_OUT
    with pytest.raises(LockedError):
        restarted.set_pin(PIN)  # a fresh start needs the password again
    fresh = signed_in(restarted)
    assert fresh.data.store.records.get("cases", uuid.uuid4()) is None
    assert fresh.data.store.outbox.items() == []


def test_a_right_pin_resets_the_count(device: Callable[..., DeviceSession]) -> None:
    session = signed_in(device())
    session.lock()
    for _ in range(3):
        with pytest.raises(WrongPinError):
            session.unlock("999999")
        session.unlock(PIN)
        session.lock()
    assert session.keystore.failed_attempts() == 0


def test_revoked_sign_in_is_fixed_by_signing_in_again_keeping_unsynced_work(
    device: Callable[..., DeviceSession], server: Server, tmp_path: Path
) -> None:
    session = signed_in(device())
    engine = engine_for(session)
    first = save_case(session, server)
    assert engine.sync_once().ok
    second = save_case(session, server)
    device_id = session.data.store.device.read().device_id
    admin = server.login("admin", "admin-phone")
    revoked = server.http.post(
        f"/api/v1/admin/devices/{device_id}/revoke",
        headers={"Authorization": f"Bearer {admin['token']}"},
    )
    assert revoked.status_code == 204
    assert engine.sync_once().outcome is SyncState.NEEDS_LOGIN
    assert session.state is SessionState.NEEDS_LOGIN
    keystore = (tmp_path / "phone" / KEYSTORE_FILE).read_bytes()
    with pytest.raises(DifferentUserError):
        session.login("mediator.xiyuan", PASSWORD)
    session.login("mediator.baijia", PASSWORD)
    assert session.state is SessionState.READY
    assert (tmp_path / "phone" / KEYSTORE_FILE).read_bytes() == keystore  # nothing re-wrapped
    assert session.data.store.device.read().device_id == device_id
    [waiting] = session.data.store.outbox.items()
    assert waiting.record_id == second
    assert engine.sync_once().ok
    assert server.count(TableName.CASES, first) == 1
    assert server.count(TableName.CASES, second) == 1


def test_logout_warns_with_the_unsynced_count_and_keeps_the_data(
    device: Callable[..., DeviceSession], server: Server, tmp_path: Path
) -> None:
    session = signed_in(device())
    case_id = save_case(session, server)
    session.data.blobs.put(b"photo bytes", "image/jpeg")
    old_token = session.token()
    assert session.unsynced_count() == 2
    assert session.logout() == 2
    assert session.state is SessionState.NEEDS_LOGIN
    assert session.token() is None
    assert session.data.store.records.get("cases", case_id) is not None
    me = server.http.get("/api/v1/me", headers={"Authorization": f"Bearer {old_token}"})
    assert me.status_code == 401  # the server forgot the token too
    session.login("mediator.baijia", PASSWORD)
    assert session.unsynced_count() == 2
    assert session.logout(force=True) == 2
    assert session.state is SessionState.SIGNED_OUT
    assert sorted(p.name for p in (tmp_path / "phone").iterdir()) == []


@pytest.mark.parametrize("expiry", ["idle", "absolute"])
def test_an_expired_sign_in_costs_a_password_and_keeps_the_outbox(
    device: Callable[..., DeviceSession], server: Server, expiry: str
) -> None:
    session = signed_in(device())
    engine = engine_for(session)
    assert engine.sync_once().ok
    waiting = save_case(session, server)
    token = session.token()
    assert token is not None
    now = datetime.now(UTC)
    idle = timedelta(days=server.settings.token_idle_days, hours=1)
    old = timedelta(days=server.settings.token_lifetime_days, hours=1)
    with write_session(server.engine) as writer:
        writer.execute(
            update(DeviceToken)
            .where(DeviceToken.token_hash == token_digest(token))  # type: ignore[arg-type]
            .values(
                created_at=now - (idle if expiry == "idle" else old),
                last_seen_at=now - idle if expiry == "idle" else now,
            )
        )
    assert engine.sync_once().outcome is SyncState.NEEDS_LOGIN
    assert session.state is SessionState.NEEDS_LOGIN
    [kept] = session.data.store.outbox.items()
    assert kept.record_id == waiting
    session.login("mediator.baijia", PASSWORD)
    assert engine.sync_once().ok
    assert server.count(TableName.CASES, waiting) == 1
    assert session.data.store.outbox.items() == []


def _reset(server: Server, username: str) -> str:
    admin = server.login("admin", "admin-desk")
    user_id = server.district.user(username).id
    reset = server.http.post(
        f"/api/v1/admin/users/{user_id}/reset-password",
        json={"reason": "forgotten"},
        headers={"Authorization": f"Bearer {admin['token']}"},
    )
    assert reset.status_code == 200, reset.text
    one_time: str = reset.json()["one_time_password"]
    return one_time


def test_a_reset_password_is_changed_before_the_phone_syncs_again(
    device: Callable[..., DeviceSession], server: Server
) -> None:
    session = signed_in(device())
    engine = engine_for(session)
    waiting = save_case(session, server)
    one_time = _reset(server, "mediator.baijia")
    assert engine.sync_once().outcome is SyncState.NEEDS_LOGIN
    session.login("mediator.baijia", one_time)
    assert session.state is SessionState.CHANGE_PASSWORD
    assert session.pending_username == "mediator.baijia"
    # The must-change token is not stored: nothing syncs with it.
    assert session.data.store.device.read().needs_login
    with pytest.raises(RequestRejected) as weak:
        session.change_password("short")
    assert weak.value.code is ErrorCode.PASSWORD_TOO_WEAK
    session.change_password("a-new-and-long-password")
    assert session.state is SessionState.READY
    assert engine.sync_once().ok
    assert server.count(TableName.CASES, waiting) == 1


def test_a_first_sign_in_with_a_one_time_password_changes_it_before_the_pin(
    device: Callable[..., DeviceSession], server: Server
) -> None:
    one_time = _reset(server, "officer.baijia")
    session = device()
    session.login("officer.baijia", one_time)
    assert session.state is SessionState.CHANGE_PASSWORD
    with pytest.raises(LockedError):
        session.set_pin(PIN)
    session.change_password("a-new-and-long-password")
    assert session.state is SessionState.CHOOSE_PIN
    session.set_pin(PIN)
    assert session.state is SessionState.READY
    assert session.client.me().user.username == "officer.baijia"


def test_an_erased_phone_signs_in_as_a_new_device(
    device: Callable[..., DeviceSession], server: Server
) -> None:
    """The server binds a device id to its first user: after an erase the
    next user of the phone must not inherit the old id."""
    session = signed_in(device())
    first_id = session.data.store.device.read().device_id
    session.logout(force=True)
    signed_in(session, "mediator.xiyuan")
    assert session.data.store.device.read().device_id != first_id
