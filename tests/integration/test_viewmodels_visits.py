"""Visits and check-ins as the forms record them (notes, GPS fix, photos,
drafts), and the officer's list sorted by what is due."""

import uuid
from datetime import UTC, datetime, timedelta

from field_app.core import FieldAppCore
from field_app.i18n import msg
from field_app.services.drafts import load_draft
from field_app.viewmodels.home import HomeViewModel
from field_app.viewmodels.nav import Screen
from field_app.viewmodels.subject_page import SubjectDetailViewModel
from field_app.viewmodels.subjects import SubjectListViewModel
from field_app.viewmodels.visits import CheckinViewModel, VisitFormViewModel
from shared_models.correction.due import DueItem, History, due_items
from shared_models.correction.settings import DEFAULT_SETTINGS
from shared_models.domain.subjects import CorrectionType, SubjectStatus, SupervisionLevel
from shared_models.domain.visits import CheckinMethod, VisitKind
from shared_models.protocol.tables import TableName
from tests.factories import district_today, mutation, subject_fields
from tests.field_app.services_fixtures import camera_jpeg
from tests.integration.test_viewmodels_cases import new_case
from tests.integration.viewmodel_fixtures import (
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)

TODAY = district_today()


def add_subjects(phones: Phones, core: FieldAppCore) -> dict[str, uuid.UUID]:
    """Three subjects of officer.baijia (one a key person), pushed by another device."""
    user = core.user
    assert user is not None
    device = f"dev-{uuid.uuid4().hex}"
    login = phones.server.login("officer.baijia", device)
    ids = {name: uuid.uuid4() for name in ("张三", "李四", "王五")}
    starts = {"张三": 30, "李四": 3, "王五": 0}
    mutations = [
        mutation(
            "subjects",
            ids[name],
            subject_fields(
                user.org_unit_id,
                user.id,
                name=name,
                term_start=(TODAY - timedelta(days=starts[name])).isoformat(),
                key_person=name == "李四",
                checkin_interval_days=7,
            ),
        )
        for name in ids
    ]
    mutations.append(
        mutation(
            "visits",
            uuid.uuid4(),
            {
                "subject_id": str(ids["张三"]),
                "kind": "checkin",
                "method": "office",
                "started_at": (datetime.now(UTC) - timedelta(days=10)).isoformat(),
            },
        )
    )
    response = phones.server.http.post(
        "/api/v1/sync/push",
        json={"device_id": device, "protocol": 1, "app_version": "t", "mutations": mutations},
        headers={"Authorization": f"Bearer {login['token']}"},
    )
    assert response.status_code == 200
    core.sync_once()
    return ids


def expected_due(start_days_ago: int, checked_in_days_ago: int | None) -> list[DueItem]:
    """What the contract's due rule says for a subject of the default level
    (普管) with that term start and last check-in, today."""
    history = History(
        level=SupervisionLevel.NORMAL,
        correction_type=CorrectionType.SUSPENDED_SENTENCE,
        status=SubjectStatus.UNDER_SUPERVISION,
        term_start=TODAY - timedelta(days=start_days_ago),
        term_end=TODAY + timedelta(days=365),
        last_checkin=None
        if checked_in_days_ago is None
        else TODAY - timedelta(days=checked_in_days_ago),
    )
    return due_items(history, DEFAULT_SETTINGS, TODAY)


def test_subjects_come_sorted_by_what_is_due(phones: Phones) -> None:
    core = phones.signed_in("officer.baijia")
    ids = add_subjects(phones, core)
    subjects = SubjectListViewModel(core)
    due = {
        "张三": expected_due(30, 10),
        "李四": expected_due(3, None),
        "王五": expected_due(0, None),
    }
    first = {
        name: next((item for item in items if item.overdue), items[0])
        for name, items in due.items()
    }
    rows = {r.name: (say(r.due_what), r.due_on, r.overdue, r.key_person) for r in subjects.rows}
    assert rows == {
        name: (
            say(msg(f"corr.due.{first[name].kind.value}")),
            first[name].due_on,
            any(item.overdue for item in due[name]),
            name == "李四",
        )
        for name in due
    }
    # 李四 never checked in since the term began three days ago: overdue,
    # whatever else is; 王五 starts today: nothing is overdue yet.
    assert rows["李四"][2]
    assert not rows["王五"][2]
    assert [r.name for r in subjects.rows][-1] == "王五"
    assert subjects.overdue_count == sum(1 for row in rows.values() if row[2])
    subjects.set_search("王")
    assert [r.id for r in subjects.rows] == [ids["王五"]]

    home = HomeViewModel(core)
    assert home.works_on_subjects
    assert not home.works_on_cases
    assert {r.name for r in home.checkins_due} == {"李四", "张三", "王五"} - {
        name for name, item in first.items() if item.due_on > TODAY
    }
    assert home.overdue == subjects.overdue_count


def test_a_checkin_with_photo_and_fix_saves_offline_and_syncs(phones: Phones) -> None:
    core = phones.signed_in("officer.baijia")
    ids = add_subjects(phones, core)
    phones.link.up = False
    form = CheckinViewModel(core, ids["张三"])
    assert (form.subject_name, form.method, form.max_photos) == ("张三", CheckinMethod.OFFICE, 1)
    form.set_fix(36.6052, 114.4781, 8.0)
    assert say(form.location) == "36.60520, 114.47810 (± 8 m)"
    assert not form.location_is_rough
    assert form.add_photo(camera_jpeg())
    form.set_notes("到所报到，情况正常")
    form.set_method(CheckinMethod.HOME_VISIT)
    assert form.save()
    assert load_draft(core.data.store, f"checkin:{ids['张三']}") is None
    assert core.status.waiting == 1  # one check-in with its photo, not its rows ("1 条待上传")
    second = CheckinViewModel(core, ids["李四"])
    assert second.add_photo(camera_jpeg())
    assert second.save()
    assert core.status.waiting == 2  # two people checked in

    page = SubjectDetailViewModel(core, ids["张三"])
    latest = page.history[0]
    assert (say(latest.method), latest.notes, latest.unsent) == (
        "Home visit",
        "到所报到，情况正常",
        True,
    )
    assert len(latest.photos) == 1
    assert [say(line.method) for line in page.checkins] == ["Home visit", "At the office"]
    assert page.due is not None
    # Checked in today: the next check-in is the level's interval away (普管: 15 days).
    [checkin] = [item for item in page.due_items if item.kind.value == "checkin"]
    assert (say(checkin.when), checkin.overdue) == ("Due in 15 d", False)

    phones.link.up = True
    core.sync_once()
    visit = phones.server.live(TableName.VISITS)[latest.id]
    assert (visit["method"], visit["lat"], visit["accuracy_m"]) == ("home_visit", 36.6052, 8.0)
    assert core.status.waiting == 0


def test_a_visit_form_is_a_draft_from_the_first_keystroke(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    case_id = new_case(core, "煤棚损坏纠纷")
    form = VisitFormViewModel(core, case_id, VisitKind.FOLLOW_UP)
    assert form.case_title == "煤棚损坏纠纷"
    assert not form.save()
    assert say(form.error) == "Write what happened (notes or outcome), or add a photo."
    form.set_notes("双方已按协议履行")
    form.add_photo(camera_jpeg())  # no GPS fix yet: the photo's own position is used
    assert form.fix_from_photo
    assert say(form.location) == "36.60500, 114.43500"

    again = VisitFormViewModel(core, case_id)  # the app was closed in between
    assert again.resumed
    assert (again.kind, again.notes, len(again.photos)) == (
        VisitKind.FOLLOW_UP,
        "双方已按协议履行",
        1,
    )
    home = HomeViewModel(core)
    assert [(say(d.text), d.route.screen) for d in home.drafts] == [
        ("Visit: 煤棚损坏纠纷", Screen.VISIT_NEW)
    ]
    assert again.save()
    assert HomeViewModel(core).drafts == []
    timeline = VisitFormViewModel(core, case_id)
    assert not timeline.resumed


def test_a_broken_photo_is_refused_with_a_reason(phones: Phones) -> None:
    core = phones.signed_in("mediator.baijia")
    form = VisitFormViewModel(core, new_case(core, "拖欠工钱", category="labour"))
    assert not form.add_photo(b"not a picture")
    assert say(form.error).startswith("This file is not a photo the app can use")
    assert form.photos == []
