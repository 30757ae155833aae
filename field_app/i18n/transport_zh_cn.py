"""简体中文：设备如何连接区局服务器（field_app/sync/transport.py）。"""
# ruff: noqa: E501  (sentences are easier to translate on one line)

STRINGS: dict[str, str] = {
    "transport.error.plain_http": "此地址未加密：请填写区局的 https:// 地址（http:// 只能用于本机或内部网络地址）。",
}
