"""The printable certificate of a signed audit report, in Chinese and English (作品登记核验证书).

It shows what the report's summary says (the work's id, titles, owners and shares, sha256 digest,
content and metadata CIDs, registration time), the chain, block and registry it was read from, the
auditor and the report's hash, and a QR code to the work's provenance page. It is a view of the
report, not evidence on its own: anyone re-checks the report with ``copyright-hub verify-report``.

HTML always (a browser prints it to PDF; CJK text uses the reader's fonts). PDF directly when fpdf2
is installed (``pip install 'copyright-hub[pdf]'``) and a CJK TrueType font is found
(:data:`CJK_FONTS`, e.g. Debian's ``fonts-wqy-microhei``); otherwise :func:`write_pdf` raises
:class:`PdfUnavailable` saying which is missing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from .._files import atomic_write
from ..errors import ConfigurationError
from .report import report_hash

#: CJK TrueType fonts the PDF may embed, first found wins (Debian packages fonts-wqy-microhei,
#: fonts-wqy-zenhei, fonts-noto-cjk, fonts-arphic-uming). ``COPYRIGHT_HUB_CJK_FONT`` names another.
CJK_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
CJK_FONT_ENV = "COPYRIGHT_HUB_CJK_FONT"


class PdfUnavailable(ConfigurationError):
    """A PDF certificate cannot be made here (fpdf2 or a CJK font is missing); the HTML one can."""


def qr_svg(data: str) -> str:
    """An inline SVG QR code of ``data`` (no raster library needed)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    text: str = image.to_string(encoding="unicode")
    return text


def provenance_link(report: Mapping[str, Any]) -> str:
    """The QR code's target: the provenance page named in the report, else an EIP-681 link to the
    registry's ``getWork`` (which any wallet or explorer on that chain opens)."""
    if report.get("provenance_url"):
        return str(report["provenance_url"])
    registry = report["deployment"]["WorkRegistry"]["address"]
    return f"ethereum:{registry}@{report['chain_id']}/getWork?uint256={report['work_id']}"


def rows(report: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(中文, English, value) for each line of the certificate, in order; values are plain text."""
    s = report["summary"]
    owners = "; ".join(f"{o['account']} ({int(o['bps']) / 100:g}%)" for o in s.get("owners", []))
    signature = report.get("signature", {})
    return [
        ("作品编号", "Work ID", str(s.get("work_id", report["work_id"]))),
        ("中文名称", "Title (Chinese)", s.get("title_zh") or "—"),
        ("英文名称", "Title (English)", s.get("title_en") or "—"),
        ("著作权人及份额", "Owners and shares", owners or "—"),
        ("内容摘要 (SHA-256)", "Content digest (SHA-256)", str(s.get("content_digest", "—"))),
        ("内容标识 (CID)", "Content CID", str(s.get("content_cid", "—"))),
        ("元数据标识 (CID)", "Metadata CID", str(s.get("metadata_cid", "—"))),
        ("登记时间 (UTC)", "Registered (UTC)", str(s.get("registered_at_utc", "—"))),
        ("优先权时间 (UTC)", "Priority (UTC)", str(s.get("priority_at_utc", "—"))),
        ("登记交易", "Registration transaction", str(s.get("registration_tx", "—"))),
        ("许可证", "Licences", ", ".join(f"#{x['licence_id']} {x['status']}" for x in s.get("licences", [])) or "—"),
        *(
            [("销售时的发行要求", "Distribution requirements at sale", _at_sale(s["requirements_at_sale"]))]
            if "requirements_at_sale" in s
            else []
        ),
        ("核验区块", "Verified at block", f"{report['block']['number']} ({report['block']['hash']})"),
        (
            "链 ID / 登记合约",
            "Chain ID / registry",
            f"{report['chain_id']} / {report['deployment']['WorkRegistry']['address']}",
        ),
        ("核验人", "Auditor", str(report.get("auditor", "—"))),
        ("报告哈希", "Report hash", "0x" + report_hash(report).hex()),
        ("签名 (" + str(signature.get("scheme", "—")) + ")", "Signature", str(signature.get("value", "—"))),
    ]


def _at_sale(sales: list[Mapping[str, Any]]) -> str:
    """``#3: 156 filing met (attestation #4); #5: none`` for the summary's ``requirements_at_sale``."""
    lines = []
    for sale in sales:
        checked = ", ".join(
            f"{r['territory']} {r['kind_name'] or 'kind ' + str(r['kind'])} {r['state']}"
            + (f" (attestation #{r['attestation_id']})" if r["attestation_id"] else "")
            for r in sale["requirements"]
        )
        lines.append(f"#{sale['licence_id']}: {checked or 'none applied'}")
    return "; ".join(lines) or "—"


def evidence_rows(report: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(中文, English, value) for each evidence record of an evidence package (none for a plain report)."""
    out: list[tuple[str, str, str]] = []
    evidence = report.get("evidence")
    for section in evidence.get("records", []) if isinstance(evidence, Mapping) else []:
        r, f, sim = section["record"], section["file"], section.get("similarity") or {}
        if sim.get("match"):
            similar = f"{sim['match']}" + (f", {sim['distance']}/64 bits" if sim.get("distance") is not None else "")
        else:
            similar = "no match" if sim.get("method") == "iscc" else "—"
        if sim.get("reason"):
            similar += f" ({sim['reason']})"
        out += [
            ("证据编号", "Evidence record", f"#{r['evidence_id']} — {section.get('contract', '')}"),
            ("取证来源", "Captured from", str(r["source"])),
            ("取证时间 (UTC)", "Captured at (UTC)", str(r["captured_at_utc"])),
            ("证据文件摘要 (SHA-256)", "Captured file digest (SHA-256)", str(f["sha256"])),
            ("证据文件标识 (CID)", "Captured file CID", str(f["cid"])),
            ("上链交易 / 区块", "Recorded in tx / block", f"{r['tx']} / {r['block']}"),
            ("上链时间 (UTC)", "Recorded at (UTC)", str(r["recorded_at_utc"])),
            ("取证人", "Recorded by", str(r["recorder"])),
            ("与登记作品的相似度", "Similarity to the registered work", similar),
        ]
    return out


_TEMPLATE = jinja2.Environment(autoescape=True).from_string("""<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8">
<title>{{ title_zh }} {{ title_en }} — {{ work_id }}</title>
<style>
 body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",sans-serif;margin:2cm;color:#111}
 h1{font-size:1.6em;margin:0} h2{font-size:1.1em;font-weight:normal;margin:.2em 0 1em}
 table{border-collapse:collapse;width:100%} td{border-bottom:1px solid #ccc;padding:.35em .5em;vertical-align:top}
 td.v{font-family:monospace;word-break:break-all} .en{color:#555;font-size:.85em}
 .qr{float:right;width:4.5cm;margin-left:1em} .qr svg{width:100%;height:auto} footer{margin-top:1.5em;font-size:.85em}
 @media print{body{margin:1cm}}
</style></head><body>
<div class="qr">{{ qr | safe }}<div class="en">{{ link }}</div></div>
<h1>{{ title_zh }}</h1><h2>{{ title_en }}</h2>
{% if evidence %}<h3>侵权证据 Evidence</h3><table>{% for zh, en, value in evidence %}
<tr><td>{{ zh }}<div class="en">{{ en }}</div></td><td class="v">{{ value }}</td></tr>{% endfor %}
</table><h3>作品登记证明 Proof of registration</h3>{% endif %}
<table>{% for zh, en, value in rows %}
<tr><td>{{ zh }}<div class="en">{{ en }}</div></td><td class="v">{{ value }}</td></tr>{% endfor %}
</table>
<footer><p>本证书所列内容均读自区块链（上述区块），不依赖登记平台的数据库；任何人均可用下列命令复核签名与每一项声明。</p>
<p>Everything above was read from the chain at the block shown, not from the hub's database. Anyone can
re-check the signature and every claim: <code>copyright-hub verify-report REPORT.json --rpc URL</code></p></footer>
</body></html>
""")


def titles(report: Mapping[str, Any]) -> tuple[str, str]:
    """The page's title in Chinese and English: an evidence package or a registration audit."""
    if "evidence" in report:
        return "侵权证据包", "Infringement Evidence Package"
    return "作品登记核验证书", "Certificate of Registration Audit"


def render_html(report: Mapping[str, Any]) -> str:
    link = provenance_link(report)
    title_zh, title_en = titles(report)
    return _TEMPLATE.render(
        work_id=report["work_id"], rows=rows(report), evidence=evidence_rows(report), qr=qr_svg(link), link=link,
        title_zh=title_zh, title_en=title_en,
    )  # fmt: skip


def write_html(report: Mapping[str, Any], path: Path) -> Path:
    atomic_write(path, render_html(report).encode())
    return path


def cjk_font() -> str | None:
    """The first CJK font of ``$COPYRIGHT_HUB_CJK_FONT`` and :data:`CJK_FONTS` that exists."""
    for candidate in (os.environ.get(CJK_FONT_ENV), *CJK_FONTS):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def write_pdf(report: Mapping[str, Any], path: Path) -> Path:
    """The certificate as a PDF (fpdf2 with an embedded CJK font); :class:`PdfUnavailable` if not possible."""
    try:
        from fpdf import FPDF
    except ImportError:
        raise PdfUnavailable(
            "a PDF certificate needs fpdf2: pip install 'copyright-hub[pdf]' (the HTML certificate prints to PDF "
            "from any browser)"
        ) from None
    font = cjk_font()
    if font is None:
        raise PdfUnavailable(
            f"a PDF certificate needs a CJK TrueType font: install one (Debian: apt-get install fonts-wqy-microhei) "
            f"or set {CJK_FONT_ENV}=/path/to/font.ttc (the HTML certificate prints to PDF from any browser)"
        )
    import io

    import qrcode

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_font("cjk", fname=font)
    pdf.set_font("cjk", size=18)
    title_zh, title_en = titles(report)
    pdf.cell(0, 10, title_zh, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 7, title_en, new_x="LMARGIN", new_y="NEXT")
    link = provenance_link(report)
    png = io.BytesIO()
    qrcode.make(link, box_size=6, border=2).save(png)
    pdf.image(png, x=155, y=10, w=40)
    pdf.set_y(55)
    for zh, en, value in [*evidence_rows(report), *rows(report)]:
        pdf.set_font("cjk", size=9)
        pdf.multi_cell(60, 5, f"{zh}\n{en}", new_x="RIGHT", new_y="TOP")
        pdf.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.set_font("cjk", size=8)
    pdf.multi_cell(0, 4, "Re-check: copyright-hub verify-report REPORT.json --rpc URL\n" + link)
    atomic_write(path, bytes(pdf.output()))
    return path
