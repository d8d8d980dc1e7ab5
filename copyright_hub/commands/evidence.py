"""Evidence commands: ``copyright-hub evidence capture|show|package`` (:mod:`client_sdk.evidence`).

``capture`` stores a copy of a file or an allowed URL, records it on chain about a work and says how
similar it is to the work; ``show`` lists records from the chain; ``package`` writes the signed
evidence package (JSON) and its printable bilingual page, re-checked with ``copyright-hub verify-report``.
Heavy imports happen inside the commands, so ``--help`` stays quick.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from ._common import (
    ContentDirOpt,
    DeploymentsOpt,
    KeyEnvOpt,
    KeystoreOpt,
    RpcOpt,
    connect_hub,
    friendly,
    indexer_settings,
    signer,
)

console = Console()

evidence_app = typer.Typer(no_args_is_help=True, help="Infringement evidence: capture, show, package.")

WorkOpt = Annotated[int, typer.Option("--work", min=1, help="the registered work the evidence concerns")]


def register(app: typer.Typer) -> None:
    for name, fn in (("capture", capture_cmd), ("show", show_cmd), ("package", package_cmd)):
        evidence_app.command(name)(friendly(fn))
    app.add_typer(evidence_app, name="evidence")


def _similarity_line(sim: dict[str, Any]) -> str:
    if sim.get("identical"):
        return "identical to the registered file (same sha256)"
    if sim.get("method") != "iscc":
        return f"unknown ({sim.get('reason')})"
    if sim.get("match"):
        return f"{sim['match']} match, {sim['distance']} of 64 bits apart (at most {sim['max_distance']} count)"
    return f"no match (data codes {sim['data_distance']} of 64 bits apart)"


def capture_cmd(
    source: Annotated[str, typer.Argument(help="a file, or an http(s) URL on an allowed host")],
    work: WorkOpt,
    allow: Annotated[
        list[str] | None,
        typer.Option(
            "--allow",
            help="a host, address or network URLs may be fetched from (repeatable; adds to $COPYRIGHT_HUB_EVIDENCE_ALLOW)",
        ),
    ] = None,
    cid_version: Annotated[int, typer.Option("--cid-version", min=0, max=1, help="0 (ipfs add default) or 1")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print the record as JSON")] = False,
    store: ContentDirOpt = None,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Capture a possible infringement of a work: keep the copy in the content store, record its sha256,
    CID, source and capture time on chain, and compare it with the registered work. A capture that fails
    (URL not allowed, unreadable file, unknown work) records nothing."""
    from client_sdk.evidence import AllowList, capture, check_source

    account = signer(keystore, key_env)
    allowed = AllowList.from_env(allow or [])
    check_source(source, allowed)  # a refused URL or an unreadable file: before the chain is asked
    content_store = indexer_settings(content_dir=store).content_store()
    with connect_hub(rpc, deployments, account) as hub:
        done = capture(hub, source, work, store=content_store, allow=allowed, cid_version=cid_version)
    record = done.record
    if as_json:
        console.print_json(json.dumps({**record.to_json(), "size": done.size, "similarity": done.similarity}))
        return
    console.print(
        f"evidence [bold]{record.evidence_id}[/bold] about work {record.work_id} recorded in tx {record.tx_hash} "
        f"(block {record.block_number})",
        highlight=False,
    )
    for label, value in (
        ("source", record.source),
        ("sha256", "0x" + record.digest.hex()),
        ("CID", f"{record.cid} (kept in the content store, not published)"),
        ("size", f"{done.size} bytes"),
        ("captured", record.to_json()["captured_at_utc"]),
        ("similarity", _similarity_line(done.similarity)),
    ):
        console.print(f"  {label:<11} {escape(str(value))}", highlight=False, soft_wrap=True)


def show_cmd(
    evidence_id: Annotated[int | None, typer.Argument(help="one record (default: every record of --work)")] = None,
    work: Annotated[int | None, typer.Option("--work", min=1, help="list this work's records")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    rpc: RpcOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Show evidence records, read from the chain's logs."""
    from client_sdk.evidence import get_record, records

    if evidence_id is None and work is None:
        raise typer.BadParameter("give an EVIDENCE_ID or --work ID")
    with connect_hub(rpc, deployments) as hub:
        if evidence_id is not None:
            found = [get_record(hub, evidence_id)]
        else:
            assert work is not None
            hub.get_work(work)  # WorkNotFound names an unknown work
            found = records(hub, work_id=work)
    if as_json:
        console.print_json(json.dumps([r.to_json() for r in found]))
        return
    if not found:
        console.print(f"no evidence recorded about work {work}")
    for r in found:
        row = r.to_json()
        console.print(
            f"#{r.evidence_id} work {r.work_id}  {row['captured_at_utc']}  {row['sha256']}  {r.cid}  "
            f"{escape(r.source)}  by {r.recorder}  tx {r.tx_hash} (block {r.block_number})",
            highlight=False,
            soft_wrap=True,
        )


def package_cmd(
    evidence_ids: Annotated[list[int], typer.Argument(help="evidence record ids (all about one work)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="the package JSON to write")],
    html: Annotated[Path | None, typer.Option("--html", help="the printable page (default: OUT with .html)")] = None,
    store: ContentDirOpt = None,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Write a signed evidence package: the captured files' digests, each on-chain record (tx, block,
    time), the similarity to the work and the registration's own proof, as JSON plus a printable page
    (Chinese and English). Re-check it with `copyright-hub verify-report OUT [--captured FILE]`."""
    from client_sdk.audit.certificate import write_html
    from client_sdk.audit.report import write_report
    from client_sdk.errors import HubError
    from client_sdk.evidence import build_package, get_record
    from client_sdk.metadata import fetch_metadata_bytes

    account = signer(keystore, key_env)
    content_store = indexer_settings(content_dir=store).content_store()
    with connect_hub(rpc, deployments) as hub:
        if not evidence_ids:
            raise typer.BadParameter("give at least one EVIDENCE_ID")
        work = hub.get_work(get_record(hub, evidence_ids[0]).work_id)
        try:
            text = fetch_metadata_bytes(content_store, work.metadata_cid).decode("utf-8")
        except (HubError, UnicodeDecodeError):  # the titles are a courtesy: a package without them is whole
            text = None
        package = build_package(hub, evidence_ids, account, store=content_store, metadata_text=text)
    write_report(package, out)
    page = html or out.with_suffix(".html")
    write_html(package, page)
    block = package["block"]
    console.print(
        f"evidence package {out} ({len(package['evidence']['records'])} records about work {package['work_id']}) "
        f"at block {block['number']}, signed by {package['auditor']}; printable page {page}",
        highlight=False,
    )
    console.print(f"re-check it with: copyright-hub verify-report {out}", highlight=False)
