"""The case file and the statistics through their view-models, against the
real server in-process: a mediator's phone lists what a new case's file
lacks and prints it offline; the desk shows the same case's file beside it
in the queue and prints it from the server; the dashboard holds the month's
statistics and downloads them as XLSX (opened with openpyxl) and PDF."""

import io

from openpyxl import load_workbook

from field_app.viewmodels.case_file import CaseFileViewModel
from field_app.viewmodels.supervision_dashboard import DashboardViewModel
from field_app.viewmodels.supervision_review import ReviewQueueViewModel
from tests.integration.test_viewmodels_cases import new_case
from tests.integration.viewmodel_fixtures import (
    Phones,
    phones_fixture,  # noqa: F401  (the fixture)
    say,
)


def test_a_new_case_file_lacks_its_forms_on_the_phone_and_at_the_desk(phones: Phones) -> None:
    mediator = phones.signed_in("mediator.baijia")
    case_id = new_case(mediator, "楼道堆物纠纷")
    phone = CaseFileViewModel(mediator, case_id)
    phone.load()

    lacking = [say(gap) for gap in phone.gaps]
    assert lacking[0] == "No application or acceptance registration"
    assert "王桂芳: no rights and duties notice" in lacking
    assert not phone.complete
    assert phone.pdf().startswith(b"%PDF-")  # offline: made on the phone

    mediator.sync_once()
    desk = ReviewQueueViewModel(phones.signed_in("supervisor.baijia"))
    desk.load()
    [item] = [i for i in desk.items if i.record_id == case_id]
    desk.open(item)
    assert desk.case_file is not None
    assert not desk.case_file.complete
    assert desk.case_file.gaps[0].text == "缺少申请书或受理登记表"
    printed = desk.case_file_pdf()
    assert printed is not None
    assert printed[1].startswith(b"%PDF-")


def test_the_dashboard_holds_the_month_statistics_and_downloads_them(phones: Phones) -> None:
    mediator = phones.signed_in("mediator.baijia")
    new_case(mediator, "噪音纠纷", category="neighbourhood")
    mediator.sync_once()
    board = DashboardViewModel(phones.signed_in("supervisor.baijia"))
    board.load()

    assert board.statistics is not None
    office = board.statistics.rows[-1]
    assert office.level == "office"
    assert office.received >= 1
    workbook = board.statistics_file("xlsx", yearly=False)
    yearly = board.statistics_file("pdf", yearly=True)
    assert workbook is not None
    assert workbook[0].endswith(f"{board.month}.xlsx")
    sheet = load_workbook(io.BytesIO(workbook[1])).active
    assert sheet is not None
    rows = {r[0]: r[1] for r in sheet.iter_rows(min_row=6, values_only=True) if r[0]}
    assert rows[f"{office.unit_name}小计"] == office.received
    assert yearly is not None
    assert yearly[0].endswith(f"{board.month[:4]}.pdf")
    assert yearly[1].startswith(b"%PDF-")
