"""The one place that holds the UI strings of the pages for people, per language, and picks the
language of a request: ``?lang=en|zh`` first, else the choice a ``lang`` cookie remembers, else the best
of ``Accept-Language``, else English.

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
        # the catalogue and a work's page (pages.py); rights and work types by their names in
        # client_sdk.terms (Right, WORK_TYPES): "right.<name>", "type.<name>"
        "catalogue_intro": "Audiovisual works registered on chain, as mirrored by the indexer, with the "
        "licences on offer. Each provenance page re-checks the mirror against the chain.",
        "search_works_hint": "title words in Chinese or English, a content digest, CID or owner address",
        "filters": "Filters",
        "any": "any",
        "language": "Language",
        "language_hint": "BCP 47, e.g. zh, en",
        "right": "Right",
        "territory": "Territory",
        "territory_hint": "ISO 3166-1 numeric, e.g. 156",
        "price_min": "Price from",
        "price_max": "Price to",
        "price_hint": "base units: wei for ETH",
        "exclusive_filter": "Exclusive",
        "yes": "yes",
        "no": "no",
        "apply": "Apply",
        "clear_filters": "clear filters",
        "works_found": "{count} works",
        "works_found_first": "{count} works, the first {shown} shown",
        "no_matching_works": "No work matches these filters.",
        "bad_filter": "Filters not applied: {problems}. Correct them and apply again.",
        "poster": "poster of {title}",
        "untitled": "metadata {status}",
        "offers": "Licences on offer",
        "no_offers": "No licence on offer.",
        "signed_offers": "Signed offers (off chain, bought through the market)",
        "buy_page": "details and purchase",
        "words_sep": ", ",
        "rights_sep": " + ",
        "worldwide": "worldwide",
        "exclusive": "exclusive",
        "non_exclusive": "non-exclusive",
        "supply_left": "{left} of {cap} left",
        "no_supply_cap": "no supply cap",
        "open_end": "open-ended",
        "date": "{day} {mon} {year}",
        "months": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
        "metadata": "Metadata",
        "description": "Description",
        "duration": "Duration",
        "minutes": "{minutes} min",
        "country": "Country",
        "owners": "Owners",
        "content": "Content",
        "metadata_document": "metadata document",
        "registered": "Registered in block",
        "buy": "Buy",
        "install_wallet": "Install a browser wallet (EIP-1193, e.g. MetaMask) to buy",
        "buy_connecting": "Asking your wallet for an account…",
        "buy_preparing": "Preparing the purchase for {account}…",
        "buy_wrong_chain": "Your wallet is on chain {wallet}, this hub's contracts are on chain {hub}: switch your "
        "wallet's network and press Buy again. Nothing was sent.",
        "buy_confirm": "Confirm the transaction in your wallet…",
        "buy_approval_sent": "Approval {hash} sent; waiting for it to be mined…",
        "buy_sent": "Sent {hash}; waiting for it to be mined…",
        "buy_done": "Bought: licence {ids} is yours (transaction {hash}).",
        "buy_reverted": "The transaction {hash} reverted: {error}",
        "buy_refused": "Refused: {title}: {detail}",
        "buy_wallet_refused": "Your wallet did not send it: {message}. Nothing was sent.",
        "buy_unreachable": "This server did not answer ({message}); try again in a moment.",
        "right.reproduction": "Reproduction",
        "right.distribution": "Distribution",
        "right.rental": "Rental",
        "right.exhibition": "Exhibition",
        "right.performance": "Performance",
        "right.screening": "Screening",
        "right.broadcasting": "Broadcasting",
        "right.information_network": "Information-network dissemination",
        "right.cinematization": "Cinematization",
        "right.adaptation": "Adaptation",
        "right.translation": "Translation",
        "right.compilation": "Compilation",
        "right.performers": "Performers' rights",
        "right.recording_producers": "Rights of producers of sound and video recordings",
        "right.broadcasting_organisations": "Broadcasting organisations' rights",
        "type.film": "Film",
        "type.series": "Series",
        "type.animation": "Animation",
        "type.short_video": "Short video",
        "type.audio": "Audio",
        "type.podcast": "Podcast",
        "type.live_recording": "Live-stream recording",
        "type.interactive": "Interactive (H5)",
        "status.active": "active",
        "status.frozen": "frozen",
        "status.disputed": "disputed",
        # distribution requirements (client_sdk.kinds names, client_sdk._distribution states): "kind.<name>", "state.<state>"
        "requirements": "Distribution requirements",
        "requirements_intro": "A regulator requires these attestations before a licence is sold in its territory; "
        "every sale (on-chain or signed offer) is checked against them on chain.",
        "no_requirements": "No territory has a distribution requirement that applies to this work.",
        "requirement_kind": "Attestation required",
        "requirement_rights": "For licences granting",
        "requirement_state": "State",
        "requirement_attestation": "Attestation",
        "requirement_reference": "ref. {reference}",
        "requirement_window": "valid {start} – {end}",
        "sale_blocked": "Cannot be sold now: {reasons}.",
        "sale_unmet": "{territory}: {kind} {state}",
        "sale_met": "Requirements met in {territories}.",
        "kind.content_review": "content review",
        "kind.filing": "filing",
        "kind.import_approval": "import approval",
        "kind.age_rating": "age rating",
        "state.met": "met",
        "state.missing": "missing",
        "state.rejected": "rejected",
        "state.revoked": "revoked",
        "state.not_yet_valid": "not yet valid",
        "state.expired": "expired",
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
        "catalogue_intro": "在链上登记的视听作品（由索引器镜像）及其在售许可。每个溯源页面都会对照链上数据复核镜像。",
        "search_works_hint": "中文或英文标题中的词语、内容摘要、CID 或权利人地址",
        "filters": "筛选",
        "any": "不限",
        "language": "语言",
        "language_hint": "BCP 47，例如 zh、en",
        "right": "权利",
        "territory": "地域",
        "territory_hint": "ISO 3166-1 数字代码，例如 156",
        "price_min": "最低价格",
        "price_max": "最高价格",
        "price_hint": "最小单位：ETH 以 wei 计",
        "exclusive_filter": "独占",
        "yes": "是",
        "no": "否",
        "apply": "应用",
        "clear_filters": "清除筛选",
        "works_found": "共 {count} 部作品",
        "works_found_first": "共 {count} 部作品，显示前 {shown} 部",
        "no_matching_works": "没有符合筛选条件的作品。",
        "bad_filter": "筛选条件未生效：{problems}。请更正后重新应用。",
        "poster": "《{title}》海报",
        "untitled": "元数据{status}",
        "offers": "在售许可",
        "no_offers": "暂无在售许可。",
        "signed_offers": "签名要约（链下签署，通过市场合约购买）",
        "buy_page": "详情与购买",
        "words_sep": "，",
        "rights_sep": "、",
        "worldwide": "全球",
        "exclusive": "独占",
        "non_exclusive": "非独占",
        "supply_left": "剩余 {left}/{cap} 份",
        "no_supply_cap": "不限份数",
        "open_end": "无截止日期",
        "date": "{year}年{month}月{day}日",
        "months": "1月 2月 3月 4月 5月 6月 7月 8月 9月 10月 11月 12月",
        "metadata": "元数据",
        "description": "简介",
        "duration": "时长",
        "minutes": "{minutes} 分钟",
        "country": "国家/地区",
        "owners": "权利人",
        "content": "内容",
        "metadata_document": "元数据文档",
        "registered": "登记区块",
        "buy": "购买",
        "install_wallet": "请安装浏览器钱包（EIP-1193，例如 MetaMask）后购买",
        "buy_connecting": "正在向钱包请求账户…",
        "buy_preparing": "正在为 {account} 准备购买交易…",
        "buy_wrong_chain": "您的钱包连接的是链 {wallet}，本平台合约在链 {hub} 上：请切换钱包网络后再次点击购买。未发送任何交易。",
        "buy_confirm": "请在钱包中确认交易…",
        "buy_approval_sent": "授权交易 {hash} 已发送，等待打包…",
        "buy_sent": "交易 {hash} 已发送，等待打包…",
        "buy_done": "购买成功：许可 {ids} 归您所有（交易 {hash}）。",
        "buy_reverted": "交易 {hash} 已回滚：{error}",
        "buy_refused": "被拒绝：{title}：{detail}",
        "buy_wallet_refused": "钱包没有发送交易：{message}。未发送任何交易。",
        "buy_unreachable": "服务器没有响应（{message}），请稍后再试。",
        "right.reproduction": "复制权",
        "right.distribution": "发行权",
        "right.rental": "出租权",
        "right.exhibition": "展览权",
        "right.performance": "表演权",
        "right.screening": "放映权",
        "right.broadcasting": "广播权",
        "right.information_network": "信息网络传播权",
        "right.cinematization": "摄制权",
        "right.adaptation": "改编权",
        "right.translation": "翻译权",
        "right.compilation": "汇编权",
        "right.performers": "表演者权",
        "right.recording_producers": "录音录像制作者权",
        "right.broadcasting_organisations": "广播组织权",
        "type.film": "电影",
        "type.series": "剧集",
        "type.animation": "动画",
        "type.short_video": "短视频",
        "type.audio": "音频",
        "type.podcast": "播客",
        "type.live_recording": "直播录像",
        "type.interactive": "互动作品（H5）",
        "status.active": "有效",
        "status.frozen": "已冻结",
        "status.disputed": "争议中",
        "requirements": "发行要求",
        "requirements_intro": "监管机构要求作品在其地域销售许可前具备以下证明；每笔销售（链上要约或签名要约）都在链上据此核验。",
        "no_requirements": "没有任何地域对本作品设有适用的发行要求。",
        "requirement_kind": "所需证明",
        "requirement_rights": "适用于授予以下权利的许可",
        "requirement_state": "状态",
        "requirement_attestation": "证明",
        "requirement_reference": "编号 {reference}",
        "requirement_window": "有效期 {start} – {end}",
        "sale_blocked": "暂不可售：{reasons}。",
        "sale_unmet": "{territory}：{kind}{state}",
        "sale_met": "已满足以下地域的发行要求：{territories}。",
        "kind.content_review": "内容审查",
        "kind.filing": "备案",
        "kind.import_approval": "进口批准",
        "kind.age_rating": "年龄分级",
        "state.met": "已满足",
        "state.missing": "缺失",
        "state.rejected": "被驳回",
        "state.revoked": "已撤销",
        "state.not_yet_valid": "尚未生效",
        "state.expired": "已过期",
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


#: the cookie that remembers a visitor's choice of language (set by the pages that offer the switch)
LANG_COOKIE = "lang"


def locale_of(request: Request, lang: Language | None) -> Locale:
    """The request's locale: ``?lang=`` if given, else the :data:`LANG_COOKIE` the switch left, else
    ``Accept-Language``."""
    if lang is not None:
        return Locale(lang)
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in LANGUAGES:
        return Locale(remembered)
    return Locale(from_accept_language(request.headers.get("accept-language", "")))
