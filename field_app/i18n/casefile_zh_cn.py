"""简体中文：案件页的调解卷宗，桌面端的统计。"""

STRINGS: dict[str, str] = {
    "casefile.title": "调解卷宗",
    "casefile.complete": "卷宗材料齐全。",
    "casefile.nothing_missing": "目前没有缺少的必备材料。",
    "casefile.missing": "卷宗缺少 {count} 项：",
    "casefile.print": "打印卷宗",
    "casefile.printed": "已保存 {name}",
    "casefile.gap.application": "缺少申请书或受理登记表",
    "casefile.gap.application_unsigned": "申请书未经申请人签名或按指印",
    "casefile.gap.notice": "{who}：缺少权利义务告知书",
    "casefile.gap.notice_unsigned": "{who}：权利义务告知书未签名或按指印",
    "casefile.gap.identity": "{who}：未核验或留存身份证明",
    "casefile.gap.session": "缺少调解记录",
    "casefile.gap.session_unsigned": "调解记录未经当事人签名",
    "casefile.gap.oral_unsigned": "口头协议登记表未经当事人签名",
    "casefile.gap.follow_up_overdue": "回访已逾期（应于 {due} 前回访）",
    "casefile.gap.follow_up": "达成协议的案件结案前未回访",
    "casefile.gap.judicial_ruling": "已申请司法确认，未归入法院裁定书",
    "casefile.gap.closing_report": "缺少结案报告表",
}
