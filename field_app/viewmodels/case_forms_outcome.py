"""The forms from a mediation's outcome to the archive: an oral agreement's
registration (口头协议登记表), termination (调解不成 / 终止), referral to another
body (移交), judicial confirmation (司法确认: the application, then the
court's ruling with its photo), follow-up visits (回访记录), the closing
report (结案报告表) and filing the case (立卷归档). The written agreement has
its own screens (``viewmodels/agreement_form.py``)."""

from pydantic import JsonValue

from field_app.i18n import Msg, msg
from field_app.viewmodels.case_form_spec import (
    CaseFormSpec,
    StepContext,
    choice_field,
    day_field,
    today_as,
)
from field_app.viewmodels.form_spec import NO, FieldKind, FormField, FormInput, FormStep
from shared_models.domain.case_forms import (
    Body,
    CaseDocumentKind,
    CaseResult,
    Performance,
    Remedy,
    Retention,
    RulingOutcome,
    Satisfaction,
    TerminationReason,
)
from shared_models.domain.cases import CaseStatus


def the_agreement(_: FormInput, ctx: StepContext) -> dict[str, JsonValue]:
    """The agreement the court or a follow-up concerns (``StepContext.agreement_id``)."""
    return {"agreement_id": str(ctx.agreement_id) if ctx.agreement_id else None}


def oral_agreement(ctx: StepContext) -> CaseFormSpec:
    """口头协议登记表: who agreed, the terms, each obligation (add another)."""
    steps = [
        FormStep(
            "form.oral.terms",
            (
                day_field("agreed_on", "form.agreed_on"),
                FormField("present", "form.present", FieldKind.NAMES, True),
                FormField("terms", "form.terms", FieldKind.LONG_TEXT, True),
            ),
        ),
        FormStep(
            "form.oral.obligation",
            (
                FormField("obligor", "form.obligor", required=True),
                FormField("action", "form.action", FieldKind.LONG_TEXT, True),
                FormField("due", "form.due", FieldKind.DATE),
                FormField("method", "form.method"),
            ),
            repeat="obligations",
        ),
        FormStep(
            "form.oral.deadline",
            (FormField("performance_deadline", "form.performance_deadline", FieldKind.DATE),),
        ),
    ]
    initial = {**today_as(ctx, "agreed_on"), "present": ctx.party_names}

    return CaseFormSpec(CaseDocumentKind.ORAL_AGREEMENT, steps, initial)


def termination(ctx: StepContext) -> CaseFormSpec:
    """调解不成 / 终止: why, and which other remedies the parties were told of."""
    steps = [
        FormStep(
            "form.termination.why",
            (
                day_field("ended_on", "form.ended_on"),
                choice_field("reason", "form.reason", TerminationReason, "form.termination_reason"),
                FormField("explanation", "form.explanation", FieldKind.LONG_TEXT),
            ),
        ),
        FormStep(
            "form.termination.remedies",
            (
                FormField(
                    "remedies_told",
                    "form.remedies_told",
                    FieldKind.MULTI,
                    True,
                    tuple(r.value for r in Remedy),
                    "form.remedy",
                ),
            ),
        ),
    ]

    return CaseFormSpec(CaseDocumentKind.TERMINATION, steps, today_as(ctx, "ended_on"))


def referral_out(ctx: StepContext) -> CaseFormSpec:
    """移交: the case goes to the police, a court, the petition office, …"""
    steps = [
        FormStep(
            "form.referral_out.to",
            (
                day_field("referred_on", "form.referred_on"),
                choice_field("receiving_kind", "form.receiving_kind", Body, "form.body"),
                FormField("receiving_body", "form.receiving_body", required=True),
                FormField("reason", "form.reason", FieldKind.LONG_TEXT, True),
            ),
        )
    ]
    return CaseFormSpec(CaseDocumentKind.REFERRAL_OUT, steps, today_as(ctx, "referred_on"))


def judicial_application(ctx: StepContext) -> CaseFormSpec:
    """司法确认申请: the parties apply jointly, within the district's window."""
    window = ctx.judicial
    note: Msg | str = ""
    if window is not None:
        # Past the window the application is still recorded: the court decides.
        key = (
            "form.judicial.window_closed" if ctx.today > window.last_day else "form.judicial.window"
        )
        note = msg(key, day=window.last_day, days=window.days)
    steps = [
        FormStep(
            "form.judicial.apply",
            (
                day_field("applied_on", "form.applied_on"),
                FormField("court", "form.court", required=True),
                FormField("applicants", "form.applicants", FieldKind.NAMES, True),
            ),
            note=note,
        )
    ]
    initial = {**today_as(ctx, "applied_on"), "applicants": ctx.party_names}
    return CaseFormSpec(CaseDocumentKind.JUDICIAL_APPLICATION, steps, initial, the_agreement)


def judicial_ruling(ctx: StepContext) -> CaseFormSpec:
    """司法确认裁定: the court's ruling, and a photo of it."""
    steps = [
        FormStep(
            "form.judicial.ruling",
            (
                day_field("ruled_on", "form.ruled_on"),
                FormField("court", "form.court", required=True),
                FormField("ruling_number", "form.ruling_number"),
                choice_field("outcome", "form.outcome", RulingOutcome, "form.ruling_outcome"),
            ),
        ),
        FormStep("form.judicial.photo", photos=4, photo_hint="form.ruling_photo_hint"),
    ]
    initial = today_as(ctx, "ruled_on")
    return CaseFormSpec(CaseDocumentKind.JUDICIAL_RULING, steps, initial, the_agreement)


def follow_up(ctx: StepContext) -> CaseFormSpec:
    """回访记录: who was visited; each obligation performed or not; satisfied;
    any sign of the dispute flaring up; when to come back."""
    checks = tuple(
        FormField(
            f"checks.{index}",
            msg("form.obligation_line", n=index + 1, obligor=o.obligor, action=o.action),
            FieldKind.YES_NO,
            True,
        )
        for index, o in enumerate(ctx.obligations)
    )
    steps = [
        FormStep(
            "form.follow_up.who",
            (
                day_field("visited_on", "form.visited_on"),
                FormField("visitor", "form.visitor", required=True),
                FormField("visited", "form.visited", FieldKind.NAMES, True),
            ),
        ),
        *([FormStep("form.follow_up.performance", checks)] if checks else []),
        FormStep(
            "form.follow_up.found",
            (
                choice_field(
                    "satisfaction", "form.satisfaction", Satisfaction, "form.satisfaction"
                ),
                FormField("flare_up", "form.flare_up", FieldKind.YES_NO, True),
                FormField("findings", "form.findings", FieldKind.LONG_TEXT),
                FormField("next_follow_up", "form.next_follow_up", FieldKind.DATE),
            ),
        ),
    ]
    initial = {
        **today_as(ctx, "visited_on"),
        "visitor": ctx.user_name,
        "visited": ctx.party_names,
        "flare_up": NO,
    }

    def marks(form: FormInput, ctx: StepContext) -> dict[str, JsonValue]:
        checks: list[JsonValue] = [
            {"obligation_index": index, "honoured": form.yes(f"checks.{index}")}
            for index in range(len(ctx.obligations))
        ]
        return {**the_agreement(form, ctx), "obligation_checks": checks}

    return CaseFormSpec(CaseDocumentKind.FOLLOW_UP, steps, initial, marks)


_RESULTS = {
    CaseStatus.FAILED: CaseResult.FAILED,
    CaseStatus.REFUSED: CaseResult.REFUSED,
    CaseStatus.REFERRED: CaseResult.REFERRED,
}


def closing_report(ctx: StepContext) -> CaseFormSpec:
    """结案报告表: the result, how the agreement was performed, a short account."""
    steps = [
        FormStep(
            "form.closing.result",
            (
                day_field("closed_on", "form.closed_on"),
                choice_field("result", "form.result", CaseResult, "form.case_result"),
                choice_field("performance", "form.performance", Performance, "form.performance"),
            ),
        ),
        FormStep(
            "form.closing.summary",
            (FormField("summary", "form.summary", FieldKind.LONG_TEXT, True),),
        ),
    ]
    agreed = CaseResult.AGREED_ORAL if ctx.oral else CaseResult.AGREED_WRITTEN
    result = _RESULTS.get(ctx.status or ctx.case.status, agreed)
    performance = "performed" if ctx.obligations else "not_applicable"
    initial = {
        **today_as(ctx, "closed_on"),
        "result": result.value,
        "performance": performance,
        "summary": ctx.case.description,
    }
    return CaseFormSpec(CaseDocumentKind.CLOSING_REPORT, steps, initial)


def archival(ctx: StepContext) -> CaseFormSpec:
    """立卷归档: who filed the case file, when, how long it is kept, where."""
    steps = [
        FormStep(
            "form.archival.filed",
            (
                day_field("archived_on", "form.archived_on"),
                FormField("filed_by", "form.filed_by", required=True),
                choice_field("retention", "form.retention", Retention, "form.retention"),
                FormField("volume", "form.volume"),
                FormField("location", "form.location"),
            ),
        )
    ]
    initial = {
        **today_as(ctx, "archived_on"),
        "filed_by": ctx.user_name,
        "retention": Retention.LONG.value,
    }
    return CaseFormSpec(CaseDocumentKind.ARCHIVAL, steps, initial)
