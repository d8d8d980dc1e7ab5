"""``copyright-hub serve``: the HTTP API (catalogue, provenance, content gateway, key release)."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import ContentDirOpt, DatabaseUrlOpt, DeploymentsOpt, RpcOpt, console, friendly, hub_settings


def register(app: typer.Typer) -> None:
    app.command("serve")(friendly(serve))


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    rpc: RpcOpt = None,
    database_url: DatabaseUrlOpt = None,
    deployments: DeploymentsOpt = None,
    content_dir: ContentDirOpt = None,
) -> None:
    """Serve the API over the indexer's mirror; settings from the options, else COPYRIGHT_HUB_* variables."""
    import uvicorn

    from api.main import create_app

    settings = hub_settings(rpc, database_url, deployments, content_dir)
    console.print(f"API on http://{host}:{port} (mirror {settings.database_url}, chain {settings.rpc_url})")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
