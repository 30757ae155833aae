"""简体中文：人民调解案件从申请到归档（分步表单、案件进度）。"""
# ruff: noqa: E501  (sentences are easier to translate on one line)

STRINGS: dict[str, str] = {
    "screen.case_edit": "修改案件",
    "screen.party_new": "添加当事人",
    "screen.party_edit": "修改当事人",
    # -- step forms
    "form.step": "第 {step} 步，共 {total} 步：{name}",
    "form.save": "保存",
    "form.saved": "已保存在本机",
    "form.error.required": "请填写：{field}",
    "form.error.date": "{field}：日期请写成 2026-11-28 的格式",
    "form.error.signature": "请在签名板上签名，或拍摄指印照片",
    "form.error.number": "{field}：请填写数字",
    "form.yes": "是",
    "form.no": "否",
    "form.repeat": "{name}（第 {n} 项）",
    "form.names_hint": "每行一人（或用逗号、顿号分隔）。",
    "form.add_another": "再添加一项",
    "form.error.parties_sealed": "协议已封存，当事人不能再修改。",
    "form.fingerprint_given": "已留指印照片（在签名板上签名将替换它）。",
    "form.party.who": "当事人",
    "form.party.contact": "联系方式与证件",
    "form.party.kind": "自然人或单位",
    "party.kind.person": "自然人",
    "party.kind.organisation": "单位",
    # -- the case page
    "case.edit": "修改案件",
    "case.party_add": "添加当事人",
    "case.party_edit": "修改 {name}",
    "case.parties_sealed": "协议已封存：当事人以协议所列为准。",
}
