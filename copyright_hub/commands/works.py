"""Work commands: ``copyright-hub register FILE`` (an original, or a derivative with ``--parent`` and its
``--parent-licence``), ``works list``, ``royalty show`` and ``royalty set`` (studios; auditors' ``verify`` is in
:mod:`.verify`).

``register`` builds the work's metadata document from its options (or takes a whole ``--metadata``
JSON file), validates it against the published schema, and stores it in the content store before it
registers, so the registration never names metadata stored nowhere. Its result echoes the work's
owners and splits as the chain stored them (checksummed addresses).

``works list`` reads the chain (the registry's Transfer logs and ``ownerOf``), not a hub's mirror.
A work's resale royalty (EIP-2981) is set at registration (``register --royalty-bps``) and its owner may
change it later (``royalty set``, the registry's ``setRoyalty``: an Active work, at most 2,500 bps).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from client_sdk.metadata import METADATA_WORK_TYPES

from ._common import (
    CidVersionOpt,
    ContentDirOpt,
    DeploymentsOpt,
    KeyEnvOpt,
    KeystoreOpt,
    RpcOpt,
    byte_progress,
    connect_hub,
    friendly,
    indexer_settings,
    load_signer,
    signing_hub,
)
from ._output import AccountOpt, JsonOpt, MineOpt, say, show_record, show_rows, whose
from ._output import when as iso
from .similar import SimilarHubOpt, near_duplicate_check

if TYPE_CHECKING:
    from client_sdk.metadata import WorkMetadata
    from client_sdk.terms import Split

works_app = typer.Typer(no_args_is_help=True, help="Works: list an account's works as the chain holds them.")
royalty_app = typer.Typer(no_args_is_help=True, help="Resale royalty (EIP-2981): show it, or set it (the owner).")


def register(app: typer.Typer) -> None:
    app.command("register")(friendly(register_cmd))
    app.add_typer(works_app, name="works")
    app.add_typer(royalty_app, name="royalty")
    works_app.command("list")(friendly(works_list))
    royalty_app.command("show")(friendly(royalty_show))
    royalty_app.command("set")(friendly(royalty_set))


def _parse_split(text: str) -> Split:
    """One ``--split`` through the SDK's parser (the one register-many uses), its error as a usage error."""
    from client_sdk.batch import BatchError, parse_split

    try:
        return parse_split(text)
    except BatchError as exc:
        raise typer.BadParameter(str(exc)) from None


def _parse_pair(text: str, option: str, example: str) -> tuple[str, str]:
    name, sep, value = text.rpartition(":")
    if not sep or not name.strip() or not value.strip():
        raise typer.BadParameter(f"{text!r}: write {option} as {example}")
    return name.strip(), value.strip()


def _metadata_from_options(options: dict[str, Any], creators: list[str], external_ids: list[str]) -> WorkMetadata:
    """The metadata document the ``--title-*``/``--type``/... options describe."""
    from datetime import date

    from client_sdk.metadata import CREATOR_ROLES, Creator, WorkMetadata

    people = []
    for text in creators:
        name, role = _parse_pair(text, "--creator", "NAME:ROLE, e.g. 'Lin Qiao:director'")
        if role not in CREATOR_ROLES:
            raise typer.BadParameter(f"--creator {text!r}: the role must be one of {', '.join(CREATOR_ROLES)}")
        people.append(Creator(name, role))
    ids = dict(_parse_pair(t, "--external-id", "SCHEME:VALUE, e.g. isrc:CN-A01-25-00001") for t in external_ids)
    published = options.pop("first_published")
    try:
        first_published = date.fromisoformat(published) if published else None
    except ValueError:
        raise typer.BadParameter(f"--first-published {published!r} must be a date written YYYY-MM-DD") from None
    return WorkMetadata(
        **options,
        creators=tuple(people),
        first_published=first_published,
        external_ids={k.lower(): v for k, v in ids.items()},
    )


def _metadata_file(path: Path) -> dict[str, Any]:
    """A metadata document from a JSON file (validated by the caller)."""
    from client_sdk.metadata import InvalidMetadata

    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidMetadata(f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InvalidMetadata(f"{path} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(document, dict):
        raise InvalidMetadata(f"{path} holds a JSON {type(document).__name__}, not an object")
    return document


def register_cmd(
    file: Annotated[Path, typer.Argument(help="the work's content file")],
    title_en: Annotated[str | None, typer.Option("--title-en", "--title", help="English title")] = None,
    title_zh: Annotated[str | None, typer.Option("--title-zh", help="Chinese title")] = None,
    description_en: Annotated[str | None, typer.Option("--description-en", help="English synopsis")] = None,
    description_zh: Annotated[str | None, typer.Option("--description-zh", help="Chinese synopsis")] = None,
    work_type: Annotated[str | None, typer.Option("--type", help=" | ".join(METADATA_WORK_TYPES))] = None,
    creator: Annotated[list[str] | None, typer.Option(help="NAME:ROLE, repeatable (director, composer, ...)")] = None,
    language: Annotated[list[str] | None, typer.Option(help="BCP 47 tag, repeatable: zh-Hans, en")] = None,
    country: Annotated[str | None, typer.Option(help="country of origin, ISO 3166-1 alpha-2 (CN)")] = None,
    duration: Annotated[int | None, typer.Option(help="running time in seconds")] = None,
    first_published: Annotated[str | None, typer.Option(help="first publication date, YYYY-MM-DD")] = None,
    poster_cid: Annotated[str | None, typer.Option(help="CID of the poster image")] = None,
    preview_cid: Annotated[str | None, typer.Option(help="CID of a public preview clip")] = None,
    external_id: Annotated[
        list[str] | None, typer.Option(help="SCHEME:VALUE, repeatable: isan, isrc, eidr, iswc, doi, filing")
    ] = None,
    metadata: Annotated[
        Path | None,
        typer.Option("--metadata", help="the whole metadata document as a JSON file (instead of the options above)"),
    ] = None,
    split: Annotated[
        list[str] | None, typer.Option(help="ADDRESS:BPS, repeatable; the first must be you; all sum to 10000")
    ] = None,
    parent: Annotated[
        list[int] | None, typer.Option(min=1, help="a work this one derives from (repeatable, in order)")
    ] = None,
    parent_licence: Annotated[
        list[int] | None,
        typer.Option(
            min=0,
            help="per --parent, in order: your adaptation licence on it, or 0 when you own that parent",
        ),
    ] = None,
    royalty_bps: Annotated[
        int, typer.Option(min=0, max=10_000, help="resale royalty (EIP-2981) in basis points; later: royalty set")
    ] = 0,
    cid_version: CidVersionOpt = 0,
    add_content: Annotated[
        bool, typer.Option("--add-content", help="also put the content file into the store (it is then public)")
    ] = False,
    store: ContentDirOpt = None,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
    hub_url: SimilarHubOpt = None,
) -> None:
    """Register a work from its file: sha256 and CID computed locally, the metadata document validated
    and put into the content store (--content-dir, or the kubo node of COPYRIGHT_HUB_KUBO_API_URL)
    before the transaction is signed locally."""
    from client_sdk.content import publish
    from client_sdk.errors import ConfigurationError
    from client_sdk.metadata import WorkMetadata, chain_work_type
    from client_sdk.verify import digest_and_cid

    options: dict[str, Any] = {
        "title_en": title_en, "title_zh": title_zh, "description_en": description_en,
        "description_zh": description_zh, "country": country, "duration_seconds": duration,
        "first_published": first_published, "poster_cid": poster_cid, "preview_cid": preview_cid,
    }  # fmt: skip
    lists = {"--creator": creator, "--language": language, "--external-id": external_id}
    if metadata is not None:
        given = [k for k, v in options.items() if v is not None] + [k for k, v in lists.items() if v]
        if given or work_type is not None:
            raise typer.BadParameter("give either --metadata FILE or the --title-*/--type/... options, not both")
    elif title_en is None and title_zh is None:
        raise typer.BadParameter("give the work a title: --title-en and/or --title-zh (or a whole --metadata FILE)")
    if work_type is not None and work_type not in METADATA_WORK_TYPES:
        raise typer.BadParameter(f"--type must be one of {', '.join(METADATA_WORK_TYPES)}")
    if cid_version not in (0, 1):
        raise typer.BadParameter("--cid-version must be 0 or 1")
    splits = [_parse_split(s) for s in split or []]
    parents = list(parent or [])
    licences = list(parent_licence or [])
    if licences and len(licences) != len(parents):
        raise typer.BadParameter(
            f"{len(licences)} --parent-licence for {len(parents)} --parent: give one per parent, in order (0: you own it)"
        )
    if len(set(parents)) != len(parents):
        raise typer.BadParameter("a --parent is named twice; name each parent work once")
    document = _metadata_file(metadata) if metadata is not None else None
    account = load_signer(keystore, key_env)
    if account is None:
        raise ConfigurationError("pass the studio's key with --keystore FILE or --key-env VAR (keys stay local)")
    meta = (
        WorkMetadata.from_document(document)
        if document is not None
        else _metadata_from_options(
            {**options, "work_type": work_type or "film", "languages": tuple(language or ())},
            creator or [], external_id or [],
        )
    )  # fmt: skip
    meta.to_bytes()  # a bad option is refused before the file is hashed
    size = file.stat().st_size if file.is_file() else 0
    with byte_progress("hashing", size) as tick:
        digest, cid = digest_and_cid(file, cid_version, on_progress=tick)
    if document is None:
        meta = replace(meta, file={"name": file.name, "size": size, "sha256": "0x" + digest.hex()})
    content_store = indexer_settings(content_dir=store).content_store()
    with connect_hub(rpc, deployments, account) as hub:
        hub.store = content_store
        codes = near_duplicate_check(file, account.address, hub_url)  # ISCC codes; warns on others' near-duplicates
        if codes and meta.file is not None and "contentCodes" not in meta.file:  # a --metadata file: as given
            meta = replace(meta, file={**meta.file, "contentCodes": codes})
        metadata_cid = hub.store_metadata(meta, cid_version)
        if add_content:
            publish(content_store, content_store.add(file, cid_version))  # asked for: the master is public
        reg = hub.register_work(
            digest, str(cid), metadata_cid, meta.chain_work_type, splits=splits, parents=parents,
            parent_licences=licences, royalty_bps=royalty_bps,
        )  # fmt: skip
        owners = hub.splits_of(reg.work_id)  # as the chain stored them
    title = " / ".join(t for t in (meta.title_en, meta.title_zh) if t)
    say(f"registered work {reg.work_id} ({title}) in tx {reg.tx_hash} (block {reg.block_number})")
    say(f"  sha256       0x{digest.hex()}")
    say(f"  content CID  {cid}" + ("" if add_content else " (not added to the store)"))
    say(f"  metadata CID {metadata_cid} ({meta.work_type}, type {chain_work_type(meta.work_type)} on chain)")
    for i, share in enumerate(owners):
        say(f"  {'owner' if i == 0 else 'co-owner':<12} {share.account} {share.bps} bps ({share.bps / 100:g}%)")
    if parents:
        pairs = ", ".join(f"work {p}" + (f" under licence {lic}" if lic else " (yours)")
                          for p, lic in zip(parents, licences or [0] * len(parents), strict=True))  # fmt: skip
        say(f"  derived from {pairs}")
    if royalty_bps:
        say(f"  royalty      {royalty_bps} bps to {owners[0].account}")


def works_list(
    mine: MineOpt = False,
    account: AccountOpt = None,
    as_json: JsonOpt = False,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """The works an account holds now as lead owner (--mine: yours), with their owners and splits.
    Read from the chain (the registry's Transfer logs since the deployment, then each work), not from
    a hub's mirror; works where the account is only a co-owner are not listed."""
    from client_sdk.terms import work_status_name, work_type_name

    who = whose(account, mine, keystore, key_env)
    rows = []
    with connect_hub(rpc, deployments) as hub:
        for work_id in hub.works_owned_by(who):
            work = hub.get_work(work_id)
            owners = hub.splits_of(work_id)
            parents, licences = hub.parents_of(work_id)
            rows.append({
                "work_id": str(work_id), "type": work_type_name(work.work_type),
                "status": work_status_name(int(work.status)), "registered_at": work.registered_at,
                "registered_iso": iso(work.registered_at), "content_digest": "0x" + work.content_digest.hex(),
                "content_cid": work.content_cid, "metadata_cid": work.metadata_cid,
                "owners": [{"account": s.account, "bps": s.bps} for s in owners],
                "splits_text": [f"{s.account}:{s.bps}" for s in owners],
                "parents": [str(p) for p in parents], "parent_licences": [str(p) for p in licences],
            })  # fmt: skip
    columns = [("work_id", "work"), ("type", "type"), ("status", "status"), ("registered_iso", "registered"),
               ("content_cid", "content CID"), ("splits_text", "owners (ADDRESS:BPS)")]  # fmt: skip
    show_rows(rows, columns, as_json=as_json, title=f"works of {who}", empty=f"no works held by {who}")


def royalty_show(
    work_id: Annotated[int, typer.Argument(min=1, help="the work")],
    as_json: JsonOpt = False,
    rpc: RpcOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """A work's resale royalty (EIP-2981 royaltyInfo) as the chain holds it. It is set at registration
    (`register --royalty-bps`) or by the owner (`royalty set`), and a ruling re-points it to a new owner."""
    with connect_hub(rpc, deployments) as hub:
        hub.get_work(work_id)  # WorkNotFound for an id nobody registered
        receiver, bps = hub.royalty_of(work_id)
    record = {"work_id": str(work_id), "receiver": receiver if bps else None, "bps": bps}
    labels = [("receiver", "receiver"), ("bps", "bps")] if bps else [("bps", "bps")]
    show_record(
        record,
        labels,
        as_json=as_json,
        heading=f"work {work_id}: " + (f"royalty {bps / 100:g}%" if bps else "no royalty"),
    )


def royalty_set(
    work_id: Annotated[int, typer.Argument(min=1, help="the work (you must own it; Active)")],
    bps: Annotated[int, typer.Option(min=0, max=2_500, help="resale royalty in basis points, at most 2,500 (0: none)")],
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Change a work's resale royalty (EIP-2981; the owner, who becomes its receiver)."""
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        hub.set_royalty(work_id, bps)
        receiver, now = hub.royalty_of(work_id)
    say(f"work {work_id}: royalty {now / 100:g}% to {receiver}" if now else f"work {work_id}: no royalty")
