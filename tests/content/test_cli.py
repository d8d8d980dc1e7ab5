"""The content commands of ``copyright-hub``, through typer's runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from client_sdk.content import compute_cid
from copyright_hub.cli import app

runner = CliRunner()


@pytest.fixture
def movie(tmp_path: Path) -> Path:
    f = tmp_path / "movie.mp4"
    f.write_bytes(b"\x00\x01frame" * 100_000)
    return f


@pytest.mark.parametrize("version", [0, 1])
def test_cid_prints_the_cid(movie: Path, version: int) -> None:
    r = runner.invoke(app, ["cid", str(movie), "--cid-version", str(version)])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == str(compute_cid(movie, version))


def test_cid_of_missing_path_or_folder_is_one_clear_line(tmp_path: Path) -> None:
    for target, reason in ((tmp_path / "nope.mp4", "no such file"), (tmp_path, "is a folder")):
        r = runner.invoke(app, ["cid", str(target)])
        assert r.exit_code == 1
        assert reason in " ".join(r.output.split())
        assert "Traceback" not in r.output


def test_add_get_car_round_trip(movie: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    r = runner.invoke(app, ["content", "add", str(movie), "--store", str(store)])
    assert r.exit_code == 0, r.output
    cid = r.stdout.strip()
    car = tmp_path / "movie.car"
    assert runner.invoke(app, ["content", "export-car", cid, str(car), "--store", str(store)]).exit_code == 0
    other = tmp_path / "other"
    r = runner.invoke(app, ["content", "import-car", str(car), "--store", str(other)])
    assert r.exit_code == 0 and r.stdout.strip() == cid
    out = tmp_path / "back.mp4"
    assert runner.invoke(app, ["content", "get", cid, "-o", str(out), "--store", str(other)]).exit_code == 0
    assert out.read_bytes() == movie.read_bytes()


def test_get_unknown_cid_fails_cleanly(tmp_path: Path) -> None:
    r = runner.invoke(
        app, ["content", "get", str(compute_cid(b"?")), "-o", str(tmp_path / "x"), "--store", str(tmp_path)]
    )
    assert r.exit_code == 1
    assert "does not hold" in " ".join(r.output.split())
    assert not (tmp_path / "x").exists()


def test_encrypt_then_decrypt(movie: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["encrypt", str(movie)])
    assert r.exit_code == 0, r.output
    assert "plaintext sha256" in r.stdout and "ciphertext cid" in r.stdout
    out = tmp_path / "plain.mp4"
    key = movie.with_name("movie.mp4.key")
    r = runner.invoke(app, ["decrypt", str(movie) + ".chem", "--key", str(key), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == movie.read_bytes()
    key.write_text("00" * 32)
    r = runner.invoke(app, ["decrypt", str(movie) + ".chem", "--key", str(key), "-o", str(tmp_path / "bad")])
    assert r.exit_code == 1 and "does not open" in " ".join(r.output.split())
    assert not (tmp_path / "bad").exists()
