"""The one place that holds the UI strings of the pages for people, per language, and picks the
language of a request: ``?lang=en|zh`` first, else the best of ``Accept-Language``, else English.

Pages get a :class:`Locale`: ``t.key`` reads a string (a key missing in a language fails the render,
and a test holds the languages to the same keys), ``href(path)`` writes a link that keeps the language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Query, Request

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")
DEFAULT_LANGUAGE: Language = "en"

#: every UI string, by language then key; both languages have exactly the same keys
STRINGS: dict[Language, dict[str, str]] = {
    "en": {
        "language_name": "English",
        "explorer": "Explorer",
        "catalogue": "Catalogue",
        "search": "Search",
        "search_hint": "block number, transaction hash or address",
        "latest_blocks": "Latest blocks",
        "hub_contracts": "Hub contracts on this chain",
        "block": "Block",
        "priority": "Priority (commit or registration)",
        "blocks": "Blocks",
        "number": "Number",
        "hash": "Hash",
        "parent": "Parent",
        "time": "Time",
        "transactions": "Transactions",
        "transaction": "Transaction",
        "no_transactions": "No transactions in this block.",
        "showing": "showing {first}–{last} of {count}",
        "previous": "previous",
        "next": "next",
        "status": "Status",
        "success": "success",
        "failed": "failed (reverted)",
        "pending": "pending (not mined yet)",
        "from": "From",
        "to": "To",
        "contract_created": "contract creation",
        "value": "Value (wei)",
        "gas_used": "Gas used",
        "call": "Call",
        "method": "Method",
        "argument": "Argument",
        "argument_value": "Value",
        "type": "Type",
        "not_hub_call": "Not a call to a hub contract; input shown raw.",
        "input": "Input",
        "events": "Events",
        "no_events": "No events.",
        "event": "Event",
        "contract": "Contract",
        "undecoded": "not a hub event",
        "revert_reason": "Revert reason",
        "revert_unknown": "The revert could not be decoded by replaying the call at the parent block.",
        "address": "Address",
        "works_held": "Works held",
        "work": "Work",
        "title": "Title",
        "share": "Share",
        "no_works": "No works held.",
        "licences": "Licences held",
        "licence": "Licence",
        "rights": "Rights",
        "valid_until": "Valid until",
        "no_licences": "No licences held.",
        "earnings": "Earnings",
        "currency": "Currency",
        "credited": "Credited",
        "withdrawn": "Withdrawn",
        "balance": "Balance",
        "no_earnings": "No earnings.",
        "eth": "ETH",
        "more_in_api": "More through the API:",
        "from_mirror": "From the hub's mirror of the chain; re-check any figure against the chain itself.",
        "error": "Error",
        "chain_down": "The chain did not answer this server. The explorer reads blocks and transactions "
        "from the chain directly; try again in a moment.",
        "not_found": "Not found",
        "block_not_found": "Block {number} is not on the chain yet: the head is block {head}.",
        "tx_not_found": "No transaction {hash} on this chain.",
        "search_not_understood": "Not a block number, a transaction hash (0x and 64 hex digits) or an "
        "address (0x and 40 hex digits): {query}",
        "provenance": "provenance",
    },
    "zh": {
        "language_name": "中文",
        "explorer": "区块浏览器",
        "catalogue": "作品目录",
        "search": "搜索",
        "search_hint": "区块号、交易哈希或地址",
        "latest_blocks": "最新区块",
        "hub_contracts": "本链上的平台合约",
        "block": "区块",
        "priority": "优先权（承诺或登记）",
        "blocks": "区块",
        "number": "区块号",
        "hash": "哈希",
        "parent": "父区块",
        "time": "时间",
        "transactions": "交易",
        "transaction": "交易",
        "no_transactions": "该区块没有交易。",
        "showing": "第 {first}–{last} 条，共 {count} 条",
        "previous": "上一页",
        "next": "下一页",
        "status": "状态",
        "success": "成功",
        "failed": "失败（已回滚）",
        "pending": "待处理（尚未打包）",
        "from": "发送方",
        "to": "接收方",
        "contract_created": "创建合约",
        "value": "金额（wei）",
        "gas_used": "消耗 Gas",
        "call": "调用",
        "method": "方法",
        "argument": "参数",
        "argument_value": "值",
        "type": "类型",
        "not_hub_call": "不是对本平台合约的调用；以下为原始输入。",
        "input": "输入数据",
        "events": "事件",
        "no_events": "没有事件。",
        "event": "事件",
        "contract": "合约",
        "undecoded": "非本平台事件",
        "revert_reason": "回滚原因",
        "revert_unknown": "在父区块重放该调用后仍无法解码回滚原因。",
        "address": "地址",
        "works_held": "持有的作品",
        "work": "作品",
        "title": "标题",
        "share": "份额",
        "no_works": "未持有作品。",
        "licences": "持有的许可",
        "licence": "许可",
        "rights": "权利",
        "valid_until": "有效期至",
        "no_licences": "未持有许可。",
        "earnings": "收益",
        "currency": "币种",
        "credited": "已入账",
        "withdrawn": "已提取",
        "balance": "余额",
        "no_earnings": "暂无收益。",
        "eth": "ETH",
        "more_in_api": "更多数据请通过 API 查询：",
        "from_mirror": "数据来自本平台对链上记录的镜像；任何数字都可以直接对照链上数据复核。",
        "error": "错误",
        "chain_down": "区块链节点没有响应。浏览器直接从链上读取区块和交易，请稍后再试。",
        "not_found": "未找到",
        "block_not_found": "区块 {number} 尚未上链：当前最新区块为 {head}。",
        "tx_not_found": "本链上没有交易 {hash}。",
        "search_not_understood": "既不是区块号，也不是交易哈希（0x 加 64 位十六进制）或地址（0x 加 40 位十六进制）：{query}",
        "provenance": "溯源",
    },
}

#: the ``lang`` query parameter of every page that speaks both languages
LangQuery = Annotated[Language | None, Query(description="page language: en | zh (default: Accept-Language)")]


def from_accept_language(header: str) -> Language:
    """The language of :data:`LANGUAGES` an ``Accept-Language`` header prefers (by q, then order), else
    the default. Malformed parts are skipped: a browser's header is a hint, never an error."""
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate(header.split(",")[:32]):  # a header of thousands of parts is not read whole
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                continue
        if q <= 0:
            continue
        candidate = (-q, position, primary)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Locale:
    """What a page needs to speak one language: its strings and links that keep it."""

    lang: Language

    @property
    def t(self) -> dict[str, str]:
        return STRINGS[self.lang]

    def href(self, path: str, **query: object) -> str:
        """``path`` with ``query`` (``None`` values left out) and the page's language."""
        params = {k: v for k, v in query.items() if v is not None}
        params["lang"] = self.lang
        return f"{path}?{urlencode(params)}"

    def switch(self, path: str, **query: object) -> list[tuple[Language, str, str]]:
        """(language, its name, link to ``path`` in it) for every other language: the page's switch."""
        return [
            (lang, STRINGS[lang]["language_name"], Locale(lang).href(path, **query))
            for lang in LANGUAGES
            if lang != self.lang
        ]


def locale_of(request: Request, lang: Language | None) -> Locale:
    """The request's locale: ``?lang=`` if given, else ``Accept-Language``."""
    if lang is not None:
        return Locale(lang)
    return Locale(from_accept_language(request.headers.get("accept-language", "")))
