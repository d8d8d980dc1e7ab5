"""The audit certificate: bilingual HTML with an inline QR code, and a PDF with an embedded CJK font
where fpdf2 and such a font exist (else one clear refusal naming what is missing)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from client_sdk import Hub
from client_sdk.audit import build_report, sign_report
from client_sdk.audit.certificate import CJK_FONT_ENV, PdfUnavailable, cjk_font, provenance_link, write_html, write_pdf
from client_sdk.content.cid import cid_of_bytes
from client_sdk.manifest import Deployment

DOC = '{"schemaVersion":1,"title":{"en":"<Night> & Day","zh":"昼与夜"},"workType":"film"}'


@pytest.fixture
def report(w3: Web3, deployment: Deployment, studio: LocalAccount, auditor: LocalAccount) -> dict:
    work = Hub(w3, deployment, studio).register_work(
        hashlib.sha256(b"certified").digest(), cid_of_bytes(b"certified"), cid_of_bytes(DOC.encode())
    ).work_id
    return sign_report(
        build_report(w3, deployment, work, metadata_text=DOC, provenance_url=f"https://hub.example/provenance/{work}"),
        auditor,
    )


def test_the_html_certificate_is_bilingual_escaped_and_carries_a_qr_code(report: dict, tmp_path: Path) -> None:
    html = write_html(report, tmp_path / "c.html").read_text()
    for text in ("作品登记核验证书", "Certificate of Registration Audit", "昼与夜", "&lt;Night&gt; &amp; Day",
                 report["summary"]["content_digest"], report["summary"]["registered_at_utc"], report["auditor"],
                 "https://hub.example/provenance/", "<svg", "copyright-hub verify-report"):  # fmt: skip
        assert text in html, text
    assert "<Night>" not in html  # a title is text, never markup
    without = {**report, "provenance_url": None}
    registry = report["deployment"]["WorkRegistry"]["address"]
    assert provenance_link(without) == f"ethereum:{registry}@31337/getWork?uint256={report['work_id']}"


def test_the_pdf_certificate_embeds_a_cjk_font_or_says_what_is_missing(
    report: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        import fpdf  # noqa: F401
    except ImportError:
        with pytest.raises(PdfUnavailable, match="needs fpdf2"):
            write_pdf(report, tmp_path / "c.pdf")
        return
    if cjk_font() is not None:
        pdf = write_pdf(report, tmp_path / "c.pdf").read_bytes()
        assert pdf.startswith(b"%PDF-") and b"/FontFile2" in pdf and len(pdf) > 10_000
    monkeypatch.setenv(CJK_FONT_ENV, str(tmp_path / "none.ttf"))
    monkeypatch.setattr("client_sdk.audit.certificate.CJK_FONTS", ())
    with pytest.raises(PdfUnavailable, match="needs a CJK TrueType font"):
        write_pdf(report, tmp_path / "missing.pdf")
    assert not (tmp_path / "missing.pdf").exists()
