"""Sign-in throttling: growing delays instead of a lock-out.

A lock-out (N wrong passwords lock the account) lets anyone who knows a
username lock its user out. Here every failed sign-in is counted under three
keys — the (account, address) pair, the address, and the account — and each
key has a number of free failures within ``login_failure_window_s``; after
them each further failure must wait ``login_delay_base_s``, doubling with
every failure up to ``login_delay_max_s``, counted from the latest failure.
A request that comes too soon is answered ``429 TOO_MANY_ATTEMPTS`` with
``Retry-After``, without looking at its password (so a throttled attacker
learns nothing), and the server never sleeps.

- The pair key (few free failures) slows one attacker guessing one account,
  and is what a user who mistypes meets; their own successful sign-in clears it.
- The address key (more free failures) slows one address spraying many
  accounts (one office's NAT holds many honest users, hence more).
- The account key (many more free failures) slows guessing spread over many
  addresses. It is not applied to an address the account signed in from
  within ``login_known_address_days``, so the real user at their usual
  place still gets in while an attacker elsewhere hammers the account.

The counts live in the database (``login_failures``), so every server
process sees the same ones. Two concurrent tries may both pass the check;
that lets one extra guess through, never a lock-out.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import ceil

from sqlalchemy import delete, exists, func, or_, select
from sqlmodel import Session, col

from shared_models.protocol.errors import ErrorCode
from sync_server.core.config import ServerSettings
from sync_server.core.errors import ApiError
from sync_server.tables import DeviceToken, LoginFailure, UserRow

KEY_LENGTH = 64
"""Usernames and addresses are stored cut to the column's length."""


@dataclass(frozen=True)
class _Tally:
    failures: int
    latest: datetime | None


def _utc(at: datetime | None) -> datetime | None:
    """SQLite hands times back without their zone; they are stored in UTC."""
    if at is None:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def delay_after(failures: int, free: int, settings: ServerSettings) -> timedelta:
    """How long the next try must wait after the latest of ``failures``."""
    if failures < free:
        return timedelta(0)
    steps = min(failures - free, 32)
    seconds = min(settings.login_delay_base_s * 2**steps, settings.login_delay_max_s)
    return timedelta(seconds=seconds)


def check_throttle(
    session: Session, settings: ServerSettings, username: str, client: str, now: datetime
) -> None:
    """Raise ``429 TOO_MANY_ATTEMPTS`` when ``username`` from ``client`` must wait."""
    username, client = username[:KEY_LENGTH], client[:KEY_LENGTH]
    since = now - timedelta(seconds=settings.login_failure_window_s)
    is_pair = (col(LoginFailure.username) == username) & (col(LoginFailure.client) == client)
    is_account = col(LoginFailure.username) == username
    is_address = col(LoginFailure.client) == client
    row = session.execute(
        select(
            func.count().filter(is_pair),
            func.max(col(LoginFailure.at)).filter(is_pair),
            func.count().filter(is_address),
            func.max(col(LoginFailure.at)).filter(is_address),
            func.count().filter(is_account),
            func.max(col(LoginFailure.at)).filter(is_account),
        ).where(col(LoginFailure.at) >= since, or_(is_account, is_address))
    ).one()
    pair, address, account = (_Tally(row[i], _utc(row[i + 1])) for i in (0, 2, 4))
    wait = max(
        _wait(pair, settings.login_free_failures_per_pair, settings, now),
        _wait(address, settings.login_free_failures_per_address, settings, now),
    )
    account_wait = _wait(account, settings.login_free_failures_per_account, settings, now)
    if account_wait > wait and not _known_address(session, settings, username, client, now):
        wait = account_wait
    if wait > timedelta(0):
        seconds = ceil(wait.total_seconds())
        raise ApiError(
            429,
            ErrorCode.TOO_MANY_ATTEMPTS,
            f"too many failed sign-ins; try again in {seconds} s",
            {"retry_after_s": seconds},
            headers={"Retry-After": str(seconds)},
        )


def _wait(tally: _Tally, free: int, settings: ServerSettings, now: datetime) -> timedelta:
    if tally.latest is None:
        return timedelta(0)
    return max(tally.latest + delay_after(tally.failures, free, settings) - now, timedelta(0))


def _known_address(
    session: Session, settings: ServerSettings, username: str, client: str, now: datetime
) -> bool:
    """Whether the account signed in from ``client`` within the known-address days."""
    since = now - timedelta(days=settings.login_known_address_days)
    return bool(
        session.scalar(
            select(
                exists()
                .where(
                    col(UserRow.username) == username,
                    col(DeviceToken.user_id) == col(UserRow.id),
                    col(DeviceToken.signed_in_from) == client,
                    col(DeviceToken.created_at) >= since,
                )
                .select_from(DeviceToken, UserRow)
            )
        )
    )


def record_failure(
    session: Session, settings: ServerSettings, username: str, client: str, now: datetime
) -> None:
    """Count one failed sign-in, and forget those older than the window."""
    since = now - timedelta(seconds=settings.login_failure_window_s)
    session.execute(delete(LoginFailure).where(col(LoginFailure.at) < since))
    session.add(LoginFailure(username=username[:KEY_LENGTH], client=client[:KEY_LENGTH], at=now))


def clear_pair(session: Session, username: str, client: str) -> None:
    """A successful sign-in forgets that pair's failures (its user's typos)."""
    session.execute(
        delete(LoginFailure).where(
            col(LoginFailure.username) == username[:KEY_LENGTH],
            col(LoginFailure.client) == client[:KEY_LENGTH],
        )
    )
