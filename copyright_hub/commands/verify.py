"""Auditors' commands: ``copyright-hub verify`` and ``copyright-hub verify-report``.

``verify`` finds the deployment in one of three ways: a hub's ``GET /deployment`` (``--hub URL``),
the registry address alone (``--registry ADDR``, the rest found on chain), or the manifest folder
(``--deployments``), and checks the code at every address against the committed artifacts before
reading anything through it. Then it reads the chain directly and recomputes the file's sha256 and
CID; it never asks the hub's database. ``--report OUT.json`` writes a signed report pinned to a block,
``--certificate OUT.html`` its printable certificate (and ``.pdf`` beside it where possible).

``verify-report`` re-checks a report's signature and every claim against any RPC; an evidence package
(``copyright-hub evidence package``) is such a report, whose evidence records it re-checks too.

This module is what a client-only install runs: it imports only the SDK (no API, indexer or devnet
server code), and :mod:`copyright_hub.cli` loads nothing else for these two commands.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import (
    ContentDirOpt,
    DeploymentsOpt,
    KeyEnvOpt,
    KeystoreOpt,
    LazyConsole,
    RpcOpt,
    byte_progress,
    chain_url,
    content_dir,
    friendly,
    load_signer,
)

console = LazyConsole()

HubUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--hub", help="a hub's API URL: take the deployment from its GET /deployment (then only the chain is asked)"
    ),
]
RegistryOpt = Annotated[
    str | None, typer.Option("--registry", help="the WorkRegistry address: find the rest of the deployment on chain")
]


def register(app: typer.Typer) -> None:
    app.command("verify")(friendly(verify_cmd))
    app.command("verify-report")(friendly(verify_report_cmd))


def _deployment(w3: Any, hub_url: str | None, registry: str | None, deployments: Path | None, from_block: int) -> Any:
    """The deployment named by --hub, --registry or the manifest folder, checked against the chain and
    the committed artifacts (:class:`~client_sdk.errors.DeploymentMismatch` otherwise)."""
    from client_sdk._config import default_deployments_dir
    from client_sdk.errors import ManifestError
    from client_sdk.manifest import manifest_path, read_manifest
    from client_sdk.verify import deployment_from_hub, deployment_from_registry, verify_deployment

    if hub_url:
        deployment = deployment_from_hub(hub_url)
    elif registry:
        deployment = deployment_from_registry(w3, registry, from_block)
    else:
        chain_id = w3.eth.chain_id
        path = manifest_path(chain_id, deployments or default_deployments_dir())
        if not path.exists():
            raise ManifestError(
                f"no manifest for chain {chain_id} at {path}: pass --hub URL (the hub's API) or --registry ADDRESS "
                "to find the deployment without one (a hub operator runs `copyright-hub deploy`)"
            )
        deployment = read_manifest(path, expected_chain_id=chain_id)
    return verify_deployment(w3, deployment)


def _metadata_text(hub_url: str | None, store_dir: Path | None, cid: str) -> str | None:
    """The metadata document's text from the hub's content gateway or the local store, if either has
    it (the report keeps it only if it hashes to the CID on chain)."""
    from client_sdk._config import DEFAULT_HTTP_TIMEOUT
    from client_sdk.content import LocalBlockStore
    from client_sdk.metadata import fetch_metadata_bytes

    if hub_url:
        import httpx

        try:
            reply = httpx.get(f"{hub_url.rstrip('/')}/ipfs/{cid}", timeout=DEFAULT_HTTP_TIMEOUT)
            if reply.status_code == 200:
                return reply.content.decode("utf-8")
        except (httpx.HTTPError, UnicodeDecodeError):
            pass
    folder = content_dir(store_dir)
    if folder.is_dir():
        try:
            return fetch_metadata_bytes(LocalBlockStore(folder), cid).decode("utf-8")
        except Exception:
            return None
    return None


def verify_cmd(
    work_id: Annotated[
        int | None, typer.Argument(help="the work to check (default: find it by the file's sha256)")
    ] = None,
    file: Annotated[Path | None, typer.Option(help="a copy of the file to check against the registration")] = None,
    rpc: RpcOpt = None,
    deployments: DeploymentsOpt = None,
    hub_url: HubUrlOpt = None,
    registry: RegistryOpt = None,
    from_block: Annotated[
        int, typer.Option(help="with --registry: the first block to look for its creation", min=0)
    ] = 0,
    report: Annotated[
        Path | None, typer.Option("--report", help="write a signed report pinned to the head block (needs your key)")
    ] = None,
    certificate: Annotated[
        Path | None,
        typer.Option("--certificate", help="with --report: the printable certificate (HTML; PDF beside it)"),
    ] = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    store: ContentDirOpt = None,
) -> None:
    """Check a work (and optionally a file) against the chain itself, after checking the deployment's code
    against the committed artifacts. Exit code 1 when a check fails."""
    from client_sdk.chain import connect
    from client_sdk.content import LocalBlockStore
    from client_sdk.hub import Hub
    from client_sdk.verify import verify_file

    if work_id is None and file is None:
        raise typer.BadParameter("give a WORK_ID, a --file, or both")
    if hub_url and registry:
        raise typer.BadParameter("give either --hub or --registry, not both")
    if certificate is not None and report is None:
        raise typer.BadParameter("--certificate is made from the signed report: give --report OUT.json too")
    if store is not None and not store.is_dir():
        raise typer.BadParameter(f"--content-dir {store} is not a folder; give the content store that holds the master")
    auditor = load_signer(keystore, key_env)
    if report is not None and auditor is None:
        raise typer.BadParameter("--report is signed with your key: give --keystore FILE or --key-env VAR")
    w3 = connect(chain_url(rpc))
    deployment = _deployment(w3, hub_url, registry, deployments, from_block)
    names = ", ".join(f"{n} {e.address}" for n, e in deployment.contracts.items())
    console.print(f"deployment on chain {deployment.chain_id} is the committed build: {names}", highlight=False)
    with Hub(w3, deployment) as hub:
        if store is not None:  # the store --file's encrypted-master check reads (else the default one)
            hub.store = LocalBlockStore(store)
        ok = True
        if file is None:
            assert work_id is not None
            work = hub.get_work(work_id)
            _print_work(work, hub)
        else:
            size = file.stat().st_size if file.is_file() else 0
            with byte_progress("hashing", size) as tick:
                result = verify_file(hub, file, work_id, on_progress=tick)
            if result.work is not None:
                _print_work(result.work, hub)
                work_id = result.work.work_id
            from rich.table import Table

            table = Table(title=f"{os.fspath(file)} against the chain")
            for col in ("check", "registered", "file", ""):
                table.add_column(col, overflow="fold")
            for c in result.checks:
                table.add_row(c.name, c.expected, c.actual, "[green]ok[/green]" if c.ok else "[red]MISMATCH[/red]")
            console.print(table)
            ok = result.ok
            if ok:
                console.print("[green]the file matches its registration on chain[/green]")
        if report is not None and work_id is not None and auditor is not None:
            _write_report(hub, work_id, file, report, certificate, auditor, hub_url, store)
        if not ok:
            console.print("[red]verification failed[/red]")
            raise typer.Exit(1)


def _write_report(
    hub: Any, work_id: int, file: Path | None, out: Path, certificate: Path | None, auditor: Any,
    hub_url: str | None, store: Path | None,
) -> None:  # fmt: skip
    from client_sdk.audit.report import build_report, sign_report, write_report

    work = hub.get_work(work_id)
    text = _metadata_text(hub_url, store, work.metadata_cid)
    provenance = f"{hub_url.rstrip('/')}/provenance/{work_id}" if hub_url else None
    built = build_report(hub.w3, hub.deployment, work_id, file=file, metadata_text=text, provenance_url=provenance)
    signed = sign_report(built, auditor)
    write_report(signed, out)
    block = signed["block"]
    console.print(
        f"report {out} on work {work_id} at block {block['number']} ({block['hash']}): {len(signed['claims'])} claims, "
        f"signed by {signed['auditor']} (EIP-712)" + ("" if "metadata" in signed else "; metadata document not found"),
        highlight=False,
    )
    if certificate is not None:
        _write_certificate(signed, certificate)


def _write_certificate(report: dict[str, Any], path: Path) -> None:
    from rich.markup import escape

    from client_sdk.audit.certificate import PdfUnavailable, write_html, write_pdf

    write_html(report, path)
    console.print(f"certificate {path}", highlight=False)
    pdf = path.with_suffix(".pdf")
    try:
        write_pdf(report, pdf)
        console.print(f"certificate {pdf}", highlight=False)
    except PdfUnavailable as exc:
        console.print(f"[yellow]no PDF:[/yellow] {escape(str(exc))}", highlight=False)


def verify_report_cmd(
    report: Annotated[Path, typer.Argument(help="a report written by `copyright-hub verify --report`")],
    rpc: RpcOpt = None,
    file: Annotated[Path | None, typer.Option(help="a copy of the work's file to check as well")] = None,
    captured: Annotated[
        Path | None, typer.Option("--captured", help="an evidence package's captured file to check as well")
    ] = None,
    certificate: Annotated[
        Path | None, typer.Option("--certificate", help="write the certificate too, when every check holds")
    ] = None,
) -> None:
    """Re-check a signed report against any RPC at its pinned block: the signature, the chain, the
    deployment's code, every claim. Says which hold; exit code 1 when any does not."""
    from rich.markup import escape

    from client_sdk.audit.report import check_report, load_report
    from client_sdk.chain import connect

    data = load_report(report)
    checks = check_report(data, connect(chain_url(rpc)), file=file, captured=captured)
    from rich.table import Table

    table = Table(title=f"{report} (work {data['work_id']}, chain {data['chain_id']}, block {data['block']['number']})")
    for col in ("check", "", "detail"):
        table.add_column(col, overflow="fold")
    for c in checks:
        table.add_row(escape(c.name), "[green]holds[/green]" if c.ok else "[red]FAILS[/red]", escape(c.detail))
    console.print(table)
    failed = [c for c in checks if not c.ok]
    if failed:
        console.print(
            f"[red]{len(failed)} of {len(checks)} checks fail:[/red] " + escape("; ".join(c.name for c in failed))
        )
        raise typer.Exit(1)
    console.print(f"[green]all {len(checks)} checks hold[/green]: signed by {data['auditor']}", highlight=False)
    if certificate is not None:
        _write_certificate(data, certificate)


def _print_work(work: Any, hub: Any) -> None:
    from datetime import UTC, datetime

    from client_sdk.terms import work_type_name

    when = datetime.fromtimestamp(work.registered_at, UTC).isoformat()
    console.print(f"work {work.work_id} on chain {hub.deployment.chain_id} (registry {hub.registry.address})")
    for label, value in (
        ("owner", work.owner),
        ("sha256", "0x" + work.content_digest.hex()),
        ("content CID", work.content_cid),
        ("metadata CID", f"{work.metadata_cid} (version {work.metadata_version})"),
        ("type", work_type_name(work.work_type)),
        ("status", work.status.name.lower()),
        ("registered", when),
    ):
        console.print(f"  {label:<13} {value}", highlight=False, soft_wrap=True)
