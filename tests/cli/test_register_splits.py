"""``register --split`` and register-many's sidecar splits go through one parser (client_sdk.batch.parse_split):
the same one-line refusal for the same mistake, before any key is asked for or anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from client_sdk.batch import BatchError, parse_split
from copyright_hub.cli import app

ADDRESS = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
runner = CliRunner()


@pytest.mark.parametrize(
    "split",
    [
        "nobody:100",
        "no-colon",
        f"{ADDRESS.lower()[:4]}{ADDRESS[4:]}:5000",  # a mixed-case address with a broken checksum
        f"{ADDRESS}:ten",
        f"{ADDRESS}:0",
        f"{ADDRESS}:10001",
    ],
)
def test_register_refuses_a_split_with_register_manys_words(split: str, tmp_path: Path) -> None:
    film = tmp_path / "film.mp4"
    film.write_bytes(b"frames")
    with pytest.raises(BatchError) as sdk:
        parse_split(split)
    r = runner.invoke(app, ["register", str(film), "--title-en", "F", "--split", split, "--key-env", "NO_SUCH_KEY"])
    assert r.exit_code == 2, r.output
    shown = " ".join(r.stderr.replace("│", " ").split())  # the words, without rich's box and wrapping
    assert f"Invalid value: {sdk.value}" in shown


def test_register_accepts_a_lower_case_split_as_checksummed() -> None:
    assert parse_split(f"{ADDRESS.lower()}:2500").account == ADDRESS
