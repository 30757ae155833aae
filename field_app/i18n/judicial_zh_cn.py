"""简体中文：司法确认的申请期限（案件页、申请表）。"""
# ruff: noqa: E501  (sentences are easier to translate on one line)

STRINGS: dict[str, str] = {
    "home.judicial_closing": "{count} 件协议的司法确认申请期限将届满",
    "form.judicial.window_closed": "申请期限已于 {day} 届满（协议生效后 {days} 日内）。逾期的申请仍可登记，是否受理由法院决定。",
    "progress.judicial.open": "当事人可在 {day} 前共同申请司法确认（还有 {left} 天）",
    "progress.judicial.closed": "司法确认申请期限已于 {day} 届满，未申请",
    "progress.judicial.late": "司法确认申请于 {applied} 提出，已超过 {day} 届满的申请期限：是否受理由法院决定",
}
