"""The forms from a dispute's arrival to its mediation: the application
(申请书), acceptance (受理登记表) or refusal (不予受理), a case received from
another body (移交), each party's rights-and-duties notice (权利义务告知书),
investigation records (调查记录) and mediation sessions (调解记录)."""

from pydantic import JsonValue

from field_app.i18n import msg
from field_app.viewmodels.case_form_spec import (
    CaseFormSpec,
    StepContext,
    choice_field,
    day_field,
    party_signer,
    today_as,
)
from field_app.viewmodels.form_spec import FieldKind, FormField, FormInput, FormStep
from shared_models.domain.case_forms import (
    Body,
    CaseDocumentKind,
    RefusalReason,
    SessionResult,
)
from shared_models.domain.cases import CaseCategory, CaseSource
from shared_models.domain.people import Gender

PARTICULARS = ("gender", "ethnicity", "age", "occupation", "phone", "address")


def application(ctx: StepContext) -> CaseFormSpec:
    """申请书: each party's particulars (a step each), the account and the
    request, then each applicant signs (or gives a fingerprint photo)."""
    steps = [
        FormStep(
            msg(
                "form.application.party",
                name=party.name,
                role=msg(f"party.role.{party.role.value}"),
            ),
            (
                choice_field(f"parties.{i}.gender", "form.gender", Gender, "form.gender", False),
                FormField(f"parties.{i}.ethnicity", "form.ethnicity"),
                FormField(f"parties.{i}.age", "form.age", FieldKind.NUMBER),
                FormField(f"parties.{i}.occupation", "form.occupation"),
                FormField(f"parties.{i}.phone", "field.phone", FieldKind.PHONE),
                FormField(f"parties.{i}.address", "field.address"),
            ),
        )
        for i, party in enumerate(ctx.parties)
    ]
    steps.append(
        FormStep(
            "form.application.dispute",
            (
                day_field("applied_on", "form.applied_on"),
                FormField("account", "form.account", FieldKind.LONG_TEXT, True),
                FormField("request", "form.request", FieldKind.LONG_TEXT, True),
            ),
        )
    )
    steps += [
        FormStep(
            "form.sign",
            signer=party_signer(party.id),
            signer_label=msg(
                "form.signer", name=party.name, role=msg(f"party.role.{party.role.value}")
            ),
        )
        for party in ctx.applicants
    ]
    initial = {**today_as(ctx, "applied_on"), "account": ctx.case.description}
    for i, party in enumerate(ctx.parties):
        initial[f"parties.{i}.phone"] = party.phone or ""
        initial[f"parties.{i}.address"] = party.address

    def particulars(form: FormInput, ctx: StepContext) -> dict[str, JsonValue]:
        parties: list[JsonValue] = []
        for i, party in enumerate(ctx.parties):
            entry: dict[str, JsonValue] = {
                "party_id": str(party.id),
                "role": party.role.value,
                "kind": party.kind.value,
                "name": party.name,
                "ethnicity": form.text(f"parties.{i}.ethnicity"),
                "occupation": form.text(f"parties.{i}.occupation"),
                "phone": form.optional(f"parties.{i}.phone"),
                "address": form.text(f"parties.{i}.address"),
                "age": form.number(f"parties.{i}.age"),
            }
            if form.text(f"parties.{i}.gender"):
                entry["gender"] = form.text(f"parties.{i}.gender")
            parties.append(entry)
        return {"parties": parties}

    return CaseFormSpec(CaseDocumentKind.APPLICATION, steps, initial, particulars)


def acceptance(ctx: StepContext) -> CaseFormSpec:
    """受理登记表: what the dispute is, where it came from, the parties' consent."""
    steps = [
        FormStep(
            "form.acceptance.what",
            (
                day_field("accepted_on", "form.accepted_on"),
                choice_field("dispute_type", "form.dispute_type", CaseCategory, "case.category"),
            ),
        ),
        FormStep(
            "form.acceptance.source",
            (
                choice_field("source", "field.source", CaseSource, "case.source"),
                FormField("source_detail", "form.source_detail", hint="form.source_detail_hint"),
            ),
        ),
        FormStep(
            "form.acceptance.register",
            (
                FormField("parties_consent", "form.parties_consent", FieldKind.YES_NO, True),
                FormField("summary", "form.summary", FieldKind.LONG_TEXT),
                FormField("registrar", "form.registrar", required=True),
            ),
        ),
    ]
    initial = {
        **today_as(ctx, "accepted_on"),
        "dispute_type": ctx.case.category.value,
        "source": ctx.case.source.value,
        "summary": ctx.case.description,
        "registrar": ctx.user_name,
    }
    return CaseFormSpec(CaseDocumentKind.ACCEPTANCE, steps, initial)


def refusal(ctx: StepContext) -> CaseFormSpec:
    """不予受理, with the reason the applicant is told."""
    steps = [
        FormStep(
            "form.refusal.why",
            (
                day_field("refused_on", "form.refused_on"),
                choice_field("reason", "form.reason", RefusalReason, "form.refusal_reason"),
                FormField("explanation", "form.explanation", FieldKind.LONG_TEXT, True),
            ),
        )
    ]

    return CaseFormSpec(CaseDocumentKind.REFUSAL, steps, today_as(ctx, "refused_on"))


def referral_in(ctx: StepContext) -> CaseFormSpec:
    """A case handed over to the committee: who sent it, their reference."""
    steps = [
        FormStep(
            "form.referral_in.from",
            (
                day_field("received_on", "form.received_on"),
                choice_field("from_kind", "form.from_kind", Body, "form.body"),
                FormField("from_body", "form.from_body", required=True),
                FormField("reference", "form.reference"),
                FormField("reason", "form.reason", FieldKind.LONG_TEXT),
            ),
        )
    ]

    return CaseFormSpec(CaseDocumentKind.REFERRAL_IN, steps, today_as(ctx, "received_on"))


def rights_notice(ctx: StepContext) -> CaseFormSpec:
    """权利义务告知书 for one party: read to them, their identity proof seen
    (a photo), their signature or fingerprint."""
    party = ctx.party
    assert party is not None, "a rights notice is for one party"
    steps = [
        FormStep(
            "form.notice.read",
            (
                day_field("notified_on", "form.notified_on"),
                FormField("identity_checked", "form.identity_checked", FieldKind.YES_NO, True),
            ),
            photos=2,
            photo_hint="form.identity_photo_hint",
            note="form.notice.text",
        ),
        FormStep(
            "form.sign",
            signer=party_signer(party.id),
            signer_label=msg(
                "form.signer", name=party.name, role=msg(f"party.role.{party.role.value}")
            ),
        ),
    ]

    def for_party(_: FormInput, ctx: StepContext) -> dict[str, JsonValue]:
        assert ctx.party is not None
        return {"party_id": str(ctx.party.id), "party_name": ctx.party.name}

    return CaseFormSpec(
        CaseDocumentKind.RIGHTS_NOTICE, steps, today_as(ctx, "notified_on"), for_party
    )


def investigation(ctx: StepContext) -> CaseFormSpec:
    """调查记录: when and where, who asked; each person heard (add another);
    what was found, with evidence photos."""
    steps = [
        FormStep(
            "form.investigation.when",
            (
                FormField("investigated_at", "form.when", FieldKind.DATETIME, True),
                FormField("place", "form.place"),
                FormField("investigators", "form.investigators", FieldKind.NAMES),
            ),
        ),
        FormStep(
            "form.investigation.statement",
            (
                FormField("name", "form.person_heard", required=True),
                FormField("relation", "form.relation"),
                FormField("statement", "form.statement", FieldKind.LONG_TEXT, True),
            ),
            repeat="statements",
        ),
        FormStep(
            "form.investigation.findings",
            (FormField("findings", "form.findings", FieldKind.LONG_TEXT),),
            photos=6,
            photo_hint="form.evidence_hint",
        ),
    ]
    initial = {"investigated_at": ctx.now_text, "investigators": ctx.user_name}

    return CaseFormSpec(CaseDocumentKind.INVESTIGATION, steps, initial)


def mediation_session(ctx: StepContext) -> CaseFormSpec:
    """调解记录: when, where, who was present, what was said, the result."""
    steps = [
        FormStep(
            "form.session.who",
            (
                FormField("held_at", "form.when", FieldKind.DATETIME, True),
                FormField("place", "form.place"),
                FormField("mediators", "form.mediators", FieldKind.NAMES),
                FormField("present", "form.present", FieldKind.NAMES, True),
            ),
        ),
        FormStep(
            "form.session.account",
            (FormField("account", "form.session_account", FieldKind.LONG_TEXT, True),),
        ),
        FormStep(
            "form.session.result",
            (
                choice_field("result", "form.result", SessionResult, "form.session_result"),
                FormField("result_note", "form.result_note", FieldKind.LONG_TEXT),
            ),
        ),
    ]
    initial = {"held_at": ctx.now_text, "mediators": ctx.user_name, "present": ctx.party_names}

    return CaseFormSpec(CaseDocumentKind.MEDIATION_SESSION, steps, initial)
