"""Signed, re-checkable audit reports and the printable certificate made from one.

* :mod:`.report`: :func:`build_report` reads a work's record from the chain only (calls and logs at
  one pinned block), :func:`sign_report` signs it with the auditor's key (EIP-712), and
  :func:`check_report` re-checks the signature and every claim against any RPC.
* :mod:`.certificate`: the bilingual certificate (HTML, and PDF where a CJK font and fpdf2 exist)
  with a QR code to the work's provenance page.
"""

from .report import (
    REPORT_FORMAT,
    Claim,
    ReportCheck,
    build_report,
    check_report,
    load_report,
    report_hash,
    sign_report,
)

__all__ = [
    "REPORT_FORMAT",
    "Claim",
    "ReportCheck",
    "build_report",
    "check_report",
    "load_report",
    "report_hash",
    "sign_report",
]
