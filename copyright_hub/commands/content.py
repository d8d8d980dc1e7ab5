"""Content commands: ``copyright-hub cid``, ``content add/get/export-car/import-car/wrap-key``,
``encrypt`` and ``decrypt``. Everything streams; large files show a progress bar on stderr.

`cid` is a cheap command: only the CID and store modules load at the top; encryption (cryptography)
and the hub's key store (api, indexer) load inside the commands that use them."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from client_sdk.content.car import export_car, import_car
from client_sdk.content.cid import CID, compute_cid
from client_sdk.content.errors import ContentError, NotAFile
from client_sdk.content.store import LocalBlockStore

from ._common import (
    ContentDirOpt,
    DatabaseUrlOpt,
    KeyEnvOpt,
    KeystoreOpt,
    LazyConsole,
    byte_progress,
    content_dir,
    err,
    friendly,
)
from .keys import OptionalHubUrlOpt, client_for

out = LazyConsole()

content_app = typer.Typer(no_args_is_help=True, help="The content store: add, get, CAR export/import, key wrapping.")

VersionOpt = Annotated[int, typer.Option("--cid-version", min=0, max=1, help="0 (kubo default) or 1 (raw leaves)")]


def register(app: typer.Typer) -> None:
    """Add ``cid``, ``encrypt``, ``decrypt`` and the ``content`` group to the ``copyright-hub`` app."""
    app.command("cid")(friendly(cid))
    app.command("encrypt")(friendly(encrypt))
    app.command("decrypt")(friendly(decrypt))
    for name, fn in (
        ("add", add),
        ("get", get),
        ("export-car", export_car_cmd),
        ("import-car", import_car_cmd),
        ("wrap-key", wrap_key_cmd),
    ):
        content_app.command(name)(friendly(fn))
    app.add_typer(content_app, name="content")


def _store(path: Path | None) -> LocalBlockStore:
    return LocalBlockStore(content_dir(path))


def _regular(path: Path) -> Path:
    if not path.exists():
        raise NotAFile(path, "no such file")
    if path.is_dir():
        raise NotAFile(path, "is a folder, not a file")
    return path


def cid(
    file: Annotated[Path, typer.Argument(help="the file to address")],
    cid_version: VersionOpt = 0,
) -> None:
    """Print the CID `ipfs add` gives FILE (without storing anything)."""
    _regular(file)
    with byte_progress("hashing", file.stat().st_size) as tick:
        typer.echo(str(compute_cid(file, cid_version, on_progress=tick)))  # plain: rich need not load


def add(
    file: Annotated[Path, typer.Argument(help="the file to add")],
    cid_version: VersionOpt = 0,
    store: ContentDirOpt = None,
    pin: Annotated[bool, typer.Option(help="pin the DAG after adding")] = True,
    publish: Annotated[
        bool, typer.Option("--publish", help="make it public: the gateway serves it (a master stays private without)")
    ] = False,
) -> None:
    """Add FILE to the local store (all or nothing) and print its CID; stderr says whether the gateway
    serves it (only with --publish, or when it was published before)."""
    _regular(file)
    s = _store(store)
    with byte_progress("adding", file.stat().st_size) as tick:
        root = s.add(file, cid_version, on_progress=tick)
    if pin:
        s.pin(root)
    if publish:
        s.publish(root)
    out.print(str(root), highlight=False)
    if s.is_published(root):
        err.print(f"public: the gateway serves {root}", highlight=False)
    else:
        err.print(
            f"private: {root} is stored but not published, so the gateway does not serve it "
            f"(publish it with `copyright-hub publish {root}` or add with --publish)",
            highlight=False,
        )


def get(
    cid_text: Annotated[str, typer.Argument(metavar="CID")],
    output: Annotated[Path, typer.Option("-o", "--output", help="where to write the file")],
    store: ContentDirOpt = None,
) -> None:
    """Write the file named by CID (every block verified) to OUTPUT; nothing is left on error."""
    s = _store(store)
    c = CID.parse(cid_text)
    tmp = output.with_name(f".{output.name}.partial")
    try:
        with open(tmp, "wb") as fh, byte_progress("reading", s.size(c)) as tick:
            for part in s.cat(c):
                fh.write(part)
                if tick:
                    tick(len(part))
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    err.print(f"wrote {output}")


def export_car_cmd(
    cid_text: Annotated[str, typer.Argument(metavar="CID")],
    output: Annotated[Path, typer.Argument(help="the .car file to write")],
    store: ContentDirOpt = None,
) -> None:
    """Export the DAG under CID as a CARv1 file."""
    tmp = output.with_name(f".{output.name}.partial")
    try:
        with open(tmp, "wb") as fh:
            n = export_car(_store(store), CID.parse(cid_text), fh)
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    err.print(f"wrote {n} bytes to {output}")


def import_car_cmd(
    car: Annotated[Path, typer.Argument(help="the .car file to import")],
    store: ContentDirOpt = None,
) -> None:
    """Import a CARv1 file (every block verified; all or nothing) and print its roots."""
    with open(_regular(car), "rb") as fh:
        roots = import_car(_store(store), fh)
    for r in roots:
        out.print(str(r), highlight=False)


def wrap_key_cmd(
    work_id: Annotated[int, typer.Argument(help="on-chain work id")],
    account: Annotated[str, typer.Argument(help="the licensee's Ethereum address")],
    x25519_public: Annotated[str, typer.Argument(help="the licensee's X25519 public key, 64 hex digits")],
    key_file: Annotated[Path, typer.Option("--key", help="the content key file written by `encrypt`")],
    hub: OptionalHubUrlOpt = None,
    database_url: DatabaseUrlOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
) -> None:
    """Wrap a work's content key for one licensee and file it where `POST /keys/{work_id}` finds it:
    through the hub's API (--hub, as the work's owner) or straight into the hub's database (--database-url)."""
    from api.stores import WrappedKeyStore
    from api.stores.keys import account_of, public_key_hex
    from client_sdk.content.crypto import wrap_key

    pub = bytes.fromhex(public_key_hex(x25519_public)[2:])
    account_of(account)
    key = read_content_key(key_file)
    wrapped = wrap_key(key, pub, context=f"work:{work_id}")
    if hub and database_url:
        raise ContentError("give either --hub (file through the API) or --database-url (the hub's database), not both")
    if hub:
        with client_for(hub, keystore, key_env) as client:
            client.file(work_id, {account: wrapped.to_json()})
    elif database_url:
        from indexer.db import make_engine

        engine = make_engine(database_url)
        try:
            WrappedKeyStore(engine).put(work_id, account, wrapped)
        finally:
            engine.dispose()
    else:
        raise ContentError("say where to file the key: --hub URL (signed in as the work's owner) or --database-url URL")
    err.print(f"wrapped the key of work {work_id} for {account}")


def read_content_key(path: Path) -> bytes:
    """The 32-byte content key in a file `encrypt` wrote (hex); ContentError if it holds none."""
    try:
        key = bytes.fromhex(_regular(path).read_text().strip())
    except ValueError:
        raise ContentError(f"{path} does not hold a hex content key") from None
    if len(key) != 32:
        raise ContentError(f"{path} does not hold a 32-byte content key")
    return key


def encrypt(
    file: Annotated[Path, typer.Argument(help="the master to encrypt")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="default FILE.chem")] = None,
    key_out: Annotated[Path | None, typer.Option("--key-out", help="default FILE.key (keep it secret)")] = None,
    cid_version: VersionOpt = 0,
) -> None:
    """Encrypt a master (AES-256-GCM in chunks); print the plaintext sha256 and ciphertext CID."""
    from client_sdk.content.crypto import encrypt_file, new_content_key

    _regular(file)
    output = output or file.with_name(file.name + ".chem")
    key_out = key_out or file.with_name(file.name + ".key")
    key = new_content_key()
    fd = os.open(key_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex() + "\n")
    with byte_progress("encrypting", file.stat().st_size) as tick:
        rec = encrypt_file(file, output, key, cid_version=cid_version, on_progress=tick)
    out.print(f"plaintext sha256  {rec.plaintext_sha256}", highlight=False)
    out.print(f"ciphertext cid    {rec.ciphertext_cid}", highlight=False)
    err.print(f"wrote {output}; content key in {key_out} (mode 600)")


def decrypt(
    file: Annotated[Path, typer.Argument(help="the encrypted master (.chem)")],
    key_file: Annotated[Path, typer.Option("--key", help="the content key file")],
    output: Annotated[Path, typer.Option("-o", "--output", help="where to write the plaintext")],
) -> None:
    """Decrypt and authenticate a master; OUTPUT appears only if every chunk checks out."""
    from client_sdk.content.crypto import decrypt_file

    n = decrypt_file(_regular(file), output, read_content_key(key_file))
    err.print(f"wrote {n} bytes to {output}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run through `copyright-hub`")
