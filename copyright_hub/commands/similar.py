"""Near-duplicate commands: ``copyright-hub similar FILE`` and ``copyright-hub codes backfill``, and the
check ``register``/``register-many`` run before they register (:func:`near_duplicate_check`).

Where the lookup goes: a hub's ``GET /similar`` when ``--hub URL`` (or ``COPYRIGHT_HUB_HUB_URL``) is
given, else the local mirror database (``--database-url``, else the hub's settings: the embedded SQLite
file by default), which ``copyright-hub index`` fills. The check at registration never blocks it: a
near-duplicate held by someone else is a warning line naming the holder and the work; a lookup that
cannot run is a note.

``codes backfill --work ID FILE`` gives a work registered before content codes existed its codes: the
owner computes them from the file (whose sha256 must be the work's registered digest, or from the
public preview named by its metadata with ``--from-preview``), and the registry's ``updateMetadata``
points the work at a new metadata document that carries them (the old document stays, as version N-1).

``codes backfill-previews`` is the hub's half (issue 15 item 1): for every work whose current metadata
declares no codes but names a public preview the content store holds, the hub computes codes from the
preview and indexes them as its own (``origin: hub-preview`` in answers), without touching the chain
(:mod:`indexer.preview_codes`). Run it beside ``copyright-hub index`` (once, or ``--every SECONDS``).

ISCC computation (iscc-core, ffmpeg), the indexer and httpx load inside the commands.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from client_sdk.errors import ConfigurationError

from ._common import (
    ContentDirOpt,
    DatabaseUrlOpt,
    DeploymentsOpt,
    KeyEnvOpt,
    KeystoreOpt,
    LazyConsole,
    RpcOpt,
    err,
    friendly,
    load_signer,
)

if TYPE_CHECKING:
    from client_sdk.content.iscc import ContentCodes, NearDuplicate

console = LazyConsole()

HUB_URL_ENV = "COPYRIGHT_HUB_HUB_URL"
SimilarHubOpt = Annotated[
    str | None,
    typer.Option("--hub", help=f"a hub's API URL to ask (GET /similar); default ${HUB_URL_ENV}, else the local mirror"),
]
MaxDistanceOpt = Annotated[
    int | None, typer.Option("--max-distance", min=0, max=15, help="greatest Hamming distance in bits (of 64)")
]

codes_app = typer.Typer(no_args_is_help=True, help="ISCC content codes of registered works.")


def register(app: typer.Typer) -> None:
    app.command("similar")(friendly(similar_cmd))
    codes_app.command("backfill")(friendly(backfill_cmd))
    codes_app.command("backfill-previews")(friendly(backfill_previews_cmd))
    app.add_typer(codes_app, name="codes")


class NoMirror(ConfigurationError):
    """Neither a hub URL nor a local mirror with content codes: nothing to look near-duplicates up in."""


def lookup(
    codes: ContentCodes, max_distance: int | None = None, hub: str | None = None, database_url: str | None = None
) -> list[NearDuplicate]:
    """The registered works near ``codes``, from a hub's API or the local mirror (see the module docstring)."""
    from client_sdk.content.iscc import DEFAULT_MAX_DISTANCE, NearDuplicate, find_similar, unit

    distance = DEFAULT_MAX_DISTANCE if max_distance is None else max_distance
    hub = hub or os.environ.get(HUB_URL_ENV)
    if hub:
        return find_similar(hub, codes, distance)
    import sqlalchemy as sa

    from indexer.db import make_engine
    from indexer.similar import search_units

    from ._common import indexer_settings

    url = indexer_settings(database_url=database_url).database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise NoMirror("there is no local mirror database (run `copyright-hub index`), and no --hub was given")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("work_content_code"):
                raise NoMirror(
                    "the local mirror has no content codes yet: run `copyright-hub index`, or pass --hub URL"
                )
            units = [unit(c) for c in (codes.content, codes.legacy, codes.data, codes.instance) if c]
            hits = search_units(conn, units, distance)
    finally:
        engine.dispose()
    return [NearDuplicate(h.work_id, h.owner, h.match, h.distance, h.code, h.origin) for h in hits]


def near_duplicate_check(
    path: Path, account: str, hub: str | None = None, database_url: str | None = None, *, quiet: bool = False
) -> dict[str, Any] | None:
    """What ``register`` runs in the same step as the sha256 and CID: the file's codes (the metadata
    document's ``file.contentCodes``: kind ``other`` with Data- and Instance-Code only for a file that is
    not media; None without ffmpeg, with a note) and a warning line on stderr for each near-duplicate
    held by someone other than ``account``. Never refuses the registration; with no --hub and no local
    mirror it looks nothing up, silently."""
    import warnings

    from client_sdk.content.errors import ContentError, MediaToolMissing
    from client_sdk.content.iscc import NearDuplicateWarning, content_codes, warn_near_duplicates
    from client_sdk.errors import HubError

    try:
        codes = content_codes(path)
    except MediaToolMissing as exc:
        err.print(f"note: no content codes: {exc}", markup=False, soft_wrap=True)
        return None
    except ContentError as exc:
        err.print(f"note: no content codes: {exc}", markup=False, soft_wrap=True)
        return None
    try:
        found = lookup(codes, hub=hub, database_url=database_url)
    except NoMirror:
        return codes.to_json()  # nowhere to look: registering without a mirror is normal (a client machine)
    except HubError as exc:
        if not quiet:
            err.print(f"note: near-duplicate check skipped: {exc}", markup=False, soft_wrap=True)
        return codes.to_json()
    except Exception as exc:  # a mirror that cannot be read must not stop a registration
        if not quiet:
            err.print(f"note: near-duplicate check skipped: {type(exc).__name__}: {exc}", markup=False, soft_wrap=True)
        return codes.to_json()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NearDuplicateWarning)
        others = warn_near_duplicates(found, account)
    for w in caught:
        err.print(f"warning: {path.name}: {w.message}", markup=False, soft_wrap=True)
    del others
    return codes.to_json()


def similar_cmd(
    file: Annotated[Path, typer.Argument(help="a video, audio or image file")],
    max_distance: MaxDistanceOpt = None,
    hub: SimilarHubOpt = None,
    database_url: DatabaseUrlOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object instead of a table")] = False,
) -> None:
    """Registered works that look or sound like FILE (ISO 24138 ISCC content codes): each with its
    holder, the kind of match (identical, content, data) and the distance in bits."""
    import json

    from rich.markup import escape
    from rich.table import Table

    from client_sdk.content.iscc import DEFAULT_MAX_DISTANCE, content_codes

    codes = content_codes(file, media=True)
    found = lookup(codes, max_distance, hub, database_url)
    if as_json:
        print(json.dumps({
            "file": str(file), "codes": codes.to_json(),
            "max_distance": DEFAULT_MAX_DISTANCE if max_distance is None else max_distance,
            "data": [{"work_id": str(f.work_id), "owner": f.owner, "match": f.match, "distance": f.distance,
                      "code": f.code, "origin": f.origin} for f in found],
        }))  # fmt: skip
        return
    console.print(f"{escape(file.name)}: {codes.kind} [bold]{codes.content}[/bold]  ISCC-CODE {codes.iscc}")
    if not found:
        console.print("no registered work is near it")
        return
    table = Table("work", "holder", "match", "distance", "code", "codes from")
    for f in found:
        table.add_row(str(f.work_id), f.owner, f.match, str(f.distance), f.code, f.origin)
    console.print(table)


def backfill_cmd(
    work: Annotated[int, typer.Option("--work", min=1, help="the work to give content codes")],
    file: Annotated[
        Path | None, typer.Argument(help="the work's content file (its sha256 must be the registered one)")
    ] = None,
    from_preview: Annotated[
        bool, typer.Option("--from-preview", help="compute from the public preview its metadata names (previewCid)")
    ] = False,
    store: ContentDirOpt = None,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Give a work registered before content codes its ISCC codes: a new metadata document (the old
    one plus file.contentCodes) stored and set on chain with updateMetadata (owner only)."""
    import hashlib
    import tempfile

    from client_sdk.content.errors import NotAFile
    from client_sdk.content.iscc import content_codes
    from client_sdk.errors import ConfigurationError
    from client_sdk.metadata import read_metadata, store_metadata

    from ._common import connect_hub

    if (file is None) == (not from_preview):
        raise typer.BadParameter("give the work's FILE or --from-preview (one of them)")
    account = load_signer(keystore, key_env)
    if account is None:
        raise ConfigurationError("pass the owner's key with --keystore FILE or --key-env VAR (keys stay local)")
    if file is not None and not file.is_file():
        raise NotAFile(file, "no such file" if not file.exists() else "it is not a regular file")
    from ._common import indexer_settings

    blocks = indexer_settings(content_dir=store).content_store()
    with connect_hub(rpc, deployments, account) as hub, tempfile.TemporaryDirectory(prefix="backfill-") as tmp:
        hub.store = blocks
        current = hub.get_work(work)
        document = dict(read_metadata(blocks, current.metadata_cid))
        if from_preview:
            preview = document.get("previewCid")
            if not preview:
                raise ConfigurationError(f"work {work}'s metadata names no previewCid; pass the work's FILE instead")
            source = Path(tmp) / "preview"
            with open(source, "wb") as fh:
                for chunk in blocks.cat(preview):
                    fh.write(chunk)
        else:
            assert file is not None
            source = file
            sha = hashlib.sha256()
            with open(source, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    sha.update(chunk)
            if sha.digest() != current.content_digest:
                raise ConfigurationError(
                    f"{file} is not work {work}'s file (sha256 0x{sha.hexdigest()}, registered "
                    f"0x{current.content_digest.hex()}); pass the file that was registered, or --from-preview"
                )
        codes = content_codes(source, media=True)
        document["file"] = {**document.get("file", {}), "contentCodes": codes.to_json()}
        new_cid = store_metadata(blocks, document)
        version = hub.update_metadata(work, new_cid)
    console.print(
        f"work [bold]{work}[/bold]: {codes.kind} {codes.content} stored in metadata {new_cid} (version {version})"
    )


def backfill_previews_cmd(
    database_url: DatabaseUrlOpt = None,
    store: ContentDirOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="works taken per pass")] = 20,
    every: Annotated[
        float | None,
        typer.Option("--every", min=1.0, help="keep running: a pass every SECONDS (default: passes until none is due)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per pass")] = False,
) -> None:
    """The hub computes content codes from the public previews of works whose metadata declares none
    (works registered before content codes), and indexes them marked as its own (origin hub-preview).
    Idempotent: a work done is not done again; a preview that gave no codes is retried later."""
    import json
    import time

    import sqlalchemy as sa

    from indexer import preview_codes
    from indexer.db import make_engine

    from ._common import indexer_settings

    settings = indexer_settings(database_url=database_url, content_dir=store)
    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise NoMirror("there is no local mirror database: run `copyright-hub index` first (or pass --database-url)")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("work_preview_code"):
                raise NoMirror("the mirror database is not migrated yet: run `copyright-hub index` (it migrates)")
        blocks = settings.content_store()
        while True:
            for result in preview_codes.run(engine, blocks, limit=limit):
                if as_json:
                    print(json.dumps(result.to_json()))
                elif result.computed or result.failed:
                    for work_id in result.computed:
                        console.print(f"work [bold]{work_id}[/bold]: codes computed from its preview")
                    for work_id, why in result.failed.items():
                        console.print(f"work [bold]{work_id}[/bold]: no codes from its preview: {escape_text(why)}")
                else:
                    console.print("no work is waiting for codes from its preview (now)")
            if every is None:
                return
            time.sleep(every)
    finally:
        engine.dispose()


def escape_text(text: str) -> str:
    from rich.markup import escape

    return escape(text)
