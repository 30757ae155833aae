"""The supervisor workspace's view-models against the real server in-process:
the queue and a verdict that reaches the author's phone (and the
resubmission that comes back), conflicts side by side and restored, the
dashboard and its exports filtered like the screen, devices, the tabs, and
"needs the network" when the link is down."""

from datetime import datetime, timedelta, timezone

from field_app.services.attention import attention
from field_app.services.cases import update_case
from field_app.viewmodels.app import AppViewModel
from field_app.viewmodels.nav import Screen, tabs_for
from field_app.viewmodels.supervision_conflicts import ConflictsViewModel
from field_app.viewmodels.supervision_dashboard import (
    DashboardViewModel,
    month_start,
    shift_month,
)
from field_app.viewmodels.supervision_devices import DevicesViewModel
from field_app.viewmodels.supervision_review import ReviewQueueViewModel
from shared_models.district_time import DEFAULT_ZONE
from shared_models.domain.org import Role
from shared_models.domain.review import ReviewState
from shared_models.protocol.supervision import ReviewQueueKind
from shared_models.protocol.tables import TableName
from tests.integration.test_viewmodels_cases import new_case
from tests.integration.viewmodel_fixtures import (
    EN,
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)


def test_supervisors_work_at_a_desk_and_district_users_also_see_devices(
    phones: Phones,
) -> None:
    assert tabs_for(Role.SUPERVISOR) == [
        Screen.REVIEW,
        Screen.APPROVALS,
        Screen.CONFLICTS,
        Screen.DASHBOARD,
        Screen.CASES,
        Screen.SUBJECTS,
        Screen.ADMIN,
        Screen.SETTINGS,
    ]
    assert Screen.DEVICES in tabs_for(Role.ADMIN)
    office = AppViewModel(phones.signed_in("supervisor.baijia"), EN)
    district = AppViewModel(phones.signed_in("supervisor.fuxing"), EN)
    assert Screen.DEVICES not in office.tabs
    assert district.tabs[-3:] == [Screen.DEVICES, Screen.ADMIN, Screen.SETTINGS]
    # Signed in and unlocked: the first tab is the queue, not Home.
    assert office.nav.current.screen is Screen.REVIEW


def test_send_back_reaches_the_author_and_the_fix_comes_back(phones: Phones) -> None:
    mediator = phones.signed_in("mediator.baijia")
    case_id = new_case(mediator, "楼道堆物纠纷")
    mediator.sync_once()
    supervisor = phones.signed_in("supervisor.baijia")
    queue = ReviewQueueViewModel(supervisor)
    queue.load()
    [item] = [i for i in queue.items if i.record_id == case_id]
    assert item.kind is ReviewQueueKind.CASE
    assert item.author_name == "mediator.baijia"

    queue.open(item)
    assert queue.detail is not None
    assert queue.detail.case is not None
    assert queue.detail.case.title == "楼道堆物纠纷"
    assert queue.detail.org_unit_name
    # Sending back needs a comment: it is what the author reads.
    assert not queue.send_back(case_id)
    assert say(queue.comment_error).startswith("Say what needs to change")
    queue.set_comment("请补充双方联系方式")
    assert queue.send_back(case_id)
    assert say(queue.notice) == "Sent back: 楼道堆物纠纷"
    assert case_id not in [i.record_id for i in queue.items]

    mediator.sync_once()
    [sent_back] = attention(mediator.data.store).needs_changes
    assert sent_back.target_id == case_id
    assert sent_back.state is ReviewState.NEEDS_CHANGES
    assert sent_back.comment == "请补充双方联系方式"

    update_case(mediator.data.store, case_id, {"description": "已补充：双方电话已登记"})
    mediator.sync_once()
    queue.load()
    [back] = [i for i in queue.items if i.record_id == case_id]
    assert back.resubmitted
    assert back.latest_review_state is ReviewState.NEEDS_CHANGES


def test_filters_narrow_the_queue_and_a_bad_day_says_how_to_write_it(phones: Phones) -> None:
    mediator = phones.signed_in("mediator.baijia")
    case_id = new_case(mediator, "噪音扰民")
    mediator.sync_once()
    supervisor = phones.signed_in("supervisor.fuxing")
    queue = ReviewQueueViewModel(supervisor)
    queue.load()
    assert case_id in [i.record_id for i in queue.items]
    queue.set_kind(ReviewQueueKind.CHECKIN)
    assert queue.error is None, say(queue.error)
    assert case_id not in [i.record_id for i in queue.items]
    queue.set_kind(ReviewQueueKind.CASE)
    xiyuan = next(uid for uid, name in queue.directory.offices if name == "西苑街道司法所")
    queue.set_office(xiyuan)
    assert case_id not in [i.record_id for i in queue.items]
    queue.set_office(None)
    mediator_id = next(uid for uid, name in queue.directory.authors if name == "mediator.baijia")
    queue.set_author(mediator_id)
    assert [i.record_id for i in queue.items] == [case_id]
    queue.set_days("2026-13-01", "")
    assert say(queue.filter_error) == "Write days as 2026-11-28."
    assert [i.record_id for i in queue.items] == [case_id]  # the last good answer stays
    queue.set_days("2020-01-02", "2020-01-01")
    assert say(queue.filter_error) == "The first day is after the last one."
    queue.set_days("2020-01-01", "2020-01-31")
    assert queue.filter_error is None
    assert queue.items == []


def test_a_conflict_shows_both_values_and_restoring_brings_the_old_one_back(
    phones: Phones,
) -> None:
    first = phones.signed_in("mediator.baijia", name="first phone")
    case_id = new_case(first, "宅基地边界")
    first.sync_once()
    second = phones.signed_in("mediator.baijia", name="second phone")
    update_case(first.data.store, case_id, {"description": "东墙以外一米"})
    update_case(second.data.store, case_id, {"description": "东墙以外两米"})
    first.sync_once()
    second.sync_once()

    supervisor = phones.signed_in("supervisor.baijia")
    conflicts = ConflictsViewModel(supervisor)
    conflicts.load()
    [row] = conflicts.rows
    assert row.conflict.field == "description"
    assert row.current == "东墙以外两米"
    assert row.overwritten == "东墙以外一米"
    assert row.record_label == "宅基地边界"
    assert row.changed_by == "mediator.baijia"
    assert row.changed_at is not None

    assert conflicts.restore(row.id)
    assert conflicts.rows == []
    assert say(conflicts.notice).startswith("The overwritten value is restored")
    restored = phones.server.live(TableName.CASES)[case_id]
    assert restored["description"] == "东墙以外一米"


def test_dashboard_figures_months_and_exports_follow_the_screen(phones: Phones) -> None:
    mediator = phones.signed_in("mediator.baijia")
    new_case(mediator, "漏水纠纷")
    mediator.sync_once()
    supervisor = phones.signed_in("supervisor.fuxing")
    board = DashboardViewModel(supervisor)
    board.load()
    assert board.board is not None
    assert board.roll_up
    assert board.board.total.open_cases_total >= 1
    assert next(say(choice) for _, choice in board.office_choices) == "Whole district"
    this_month = board.month
    assert not board.can_go_forward

    baijia = next(uid for uid, name in board.directory.offices if name == "百家街道司法所")
    board.set_office(baijia)
    assert board.board.unit_name == "百家街道司法所"
    window = board.window()
    assert window.org_unit_id == baijia
    assert window.since == month_start(this_month, DEFAULT_ZONE).isoformat()
    assert window.before == month_start(shift_month(this_month, 1), DEFAULT_ZONE).isoformat()
    # The month begins at midnight on the district's clock (Asia/Shanghai, UTC+8).
    year, month = (int(part) for part in this_month.split("-"))
    china = timezone(timedelta(hours=8))
    assert datetime.fromisoformat(window.since) == datetime(year, month, 1, tzinfo=china)
    exported = board.export_csv("cases")
    assert exported is not None
    name, data = exported
    assert name == f"cases-百家街道司法所-{this_month}.csv"
    assert data.startswith("\ufeff".encode())
    assert "漏水纠纷" in data.decode("utf-8-sig")

    board.previous_month()
    assert board.month == shift_month(this_month, -1)
    assert board.board.month == board.month
    earlier = board.export_csv("cases")
    assert earlier is not None
    assert "漏水纠纷" not in earlier[1].decode("utf-8-sig")
    report = board.monthly_report()
    assert report is not None
    assert report[1].startswith(b"%PDF")


def test_devices_are_listed_per_user_and_only_an_admin_revokes(phones: Phones) -> None:
    phones.signed_in("mediator.baijia")
    district = DevicesViewModel(phones.signed_in("supervisor.fuxing"))
    district.load()
    names = [user.username for user in district.users]
    assert "mediator.baijia" in names
    assert not district.can_revoke
    mediator_device = next(u for u in district.users if u.username == "mediator.baijia")
    device_id = mediator_device.devices[0].device_id
    assert not district.revoke(device_id)
    assert say(district.error).startswith("Only an admin")

    admin = DevicesViewModel(phones.signed_in("admin"))
    admin.load()
    assert admin.revoke(device_id)
    revoked = next(u for u in admin.users if u.username == "mediator.baijia")
    assert revoked.devices[0].revoked_at is not None


def test_offline_says_it_needs_the_network_and_keeps_what_was_shown(phones: Phones) -> None:
    supervisor = phones.signed_in("supervisor.baijia")
    queue = ReviewQueueViewModel(supervisor)
    queue.load()
    shown = list(queue.items)
    phones.link.up = False
    queue.load()
    assert queue.offline
    assert say(queue.error).startswith("This needs the network")
    assert queue.items == shown
    board = DashboardViewModel(supervisor)
    board.load()
    assert board.board is None
    assert board.offline
    phones.link.up = True
    board.load()
    assert board.error is None
    assert board.board is not None
