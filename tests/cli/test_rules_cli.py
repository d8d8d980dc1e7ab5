"""Distribution requirements from the command line, as the three roles use them: the rules' admin names
a regulator and defines a kind, the regulator requires a filing in China for films licensed for
information-network dissemination, a reviewer attests (by kind name, with a filing number and a window,
or a rejection), and anyone checks a work. Real anvil, real subprocesses."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from typer.testing import CliRunner

from client_sdk import STANDARD_KINDS, AttestationKind, Hub
from client_sdk.chain import connect
from client_sdk.deploy import deploy
from copyright_hub.cli import app
from copyright_hub.devnet import spawn_anvil

HUB = [sys.executable, "-m", "copyright_hub.cli"]
CHINA = 156


@dataclass
class Rules:
    env: dict[str, str]
    hub: Hub
    film: int
    podcast: int
    regulator: str

    def run(self, *args: str, process: bool = False) -> subprocess.CompletedProcess[str]:
        """``copyright-hub ARGS`` in this process through typer's runner (a subprocess costs about two
        seconds of start-up each), or with ``process`` in a real one."""
        if process:
            return subprocess.run([*HUB, *args], env=self.env, capture_output=True, text=True, timeout=120)
        unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("COPYRIGHT_HUB_")}
        result = CliRunner().invoke(app, list(args), env={**unset, **self.env})
        return subprocess.CompletedProcess([*HUB, *args], result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, process: bool = False) -> str:
        done = self.run(*args, process=process)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def height(self) -> int:
        return int(self.hub.w3.eth.block_number)


def _key(account: LocalAccount) -> str:
    return "0x" + bytes(account.key).hex()


@pytest.fixture(scope="module")
def rules(
    tmp_path_factory: pytest.TempPathFactory,
    deployer: LocalAccount,
    studio: LocalAccount,
    auditor: LocalAccount,
    stranger: LocalAccount,
) -> Iterator[Rules]:
    tmp: Path = tmp_path_factory.mktemp("rules-cli")
    with spawn_anvil() as node:
        w3 = connect(node.url)
        deployment = deploy(w3, deployer, tmp / "deployments").deployment
        hub = Hub(w3, deployment, studio)
        film = hub.register_work(hashlib.sha256(b"rules film").digest(), "bafycontent", "bafymeta", 0).work_id
        podcast = hub.register_work(hashlib.sha256(b"rules podcast").digest(), "bafycontent", "bafymeta", 5).work_id
        admin = Hub(w3, deployment, deployer)
        admin.grant_role("WorkRegistry", "REVIEWER_ROLE", auditor.address)
        env = dict(
            {k: v for k, v in os.environ.items() if not k.startswith("COPYRIGHT_HUB_")},
            COPYRIGHT_HUB_RPC_URL=node.url,
            COPYRIGHT_HUB_DEPLOYMENTS_DIR=str(tmp / "deployments"),
            ADMIN_KEY=_key(deployer),
            REGULATOR_KEY=_key(stranger),
            REVIEWER_KEY=_key(auditor),
            COLUMNS="200",
        )
        yield Rules(env, hub, film, podcast, stranger.address)


def test_the_whole_round_from_regulator_to_reviewer_to_anyone(rules: Rules) -> None:
    kinds = rules.json("rules", "kinds")
    assert {k["kind"]: (k["name"], k["meaning"]) for k in kinds} == {int(k): v for k, v in STANDARD_KINDS.items()}

    refused = rules.run("rules", "require", "--territory", "156", "--kind", "filing", "--rights",
                        "information_network", "--key-env", "REGULATOR_KEY")  # fmt: skip
    assert refused.returncode == 1 and "does not regulate territory 156" in refused.stderr, refused.stderr

    made = rules.ok("rules", "regulator", rules.regulator, "--territory", "156", "--key-env", "ADMIN_KEY")
    assert f"{rules.regulator} regulates 156 China" in made
    set_out = rules.ok("rules", "require", "--territory", "156", "--kind", "filing", "--rights", "information_network",
                       "--work-type", "film", "--key-env", "REGULATOR_KEY")  # fmt: skip
    requirement_id = int(set_out.split("requirement ")[1].split()[0])
    assert "set for 156 China: kind 2 for film licensed with information_network" in set_out

    (shown,) = rules.json("rules", "show", "--territory", "156")
    assert shown == {
        "territory": CHINA, "territory_name": "China", "requirement_id": requirement_id, "kind": 2,
        "kind_name": "filing", "work_types": ["film"], "rights": ["information_network"],
    }  # fmt: skip

    missing = json.loads(rules.ok("rules", "check", str(rules.film), "--json", process=True))  # a real process too
    assert missing["met"] is False
    ((china,),) = [t["requirements"] for t in missing["territories"] if t["territory"] == CHINA]
    assert china["state"] == "missing" and china["attestation_id"] is None

    attested = rules.ok("attest", str(rules.film), "--kind", "filing", "--territory", "156", "--ref", "F-2026-7",
                        "--valid-from", "2020-01-01", "--valid-until", "2099-12-31", "--key-env", "REVIEWER_KEY")  # fmt: skip
    attestation_id = int(attested.split("attestation ")[1].split()[0])
    assert (
        "approved (kind 2 filing, 156 China, ref F-2026-7, valid 2020-01-01T00:00:00Z until 2100-01-01T00:00:00Z)"
        in attested
    )
    status = rules.hub.attestation_status(rules.film, AttestationKind.FILING, CHINA)
    assert (status.attestation_id, status.valid_from, status.valid_until) == (attestation_id, 1577836800, 4102444800)

    met = rules.json("rules", "check", str(rules.film), "--territory", "156")
    assert met["met"] is True
    assert met["territories"][0]["requirements"][0] | {"valid_until_iso": None} == {
        **shown, "state": "met", "met": True, "attestation_id": str(attestation_id), "valid_from": 1577836800,
        "valid_until": 4102444800, "valid_until_iso": None,
    }  # fmt: skip
    table = rules.ok("rules", "check", str(rules.film))
    assert f"met\t{attestation_id}" in table and f"work {rules.film}: every requirement is met" in table

    assert rules.json("rules", "check", str(rules.podcast))["territories"] == [
        {"territory": CHINA, "territory_name": "China", "met": True, "requirements": []}
    ]  # China's requirement binds films only
    broadcast = rules.json("rules", "check", str(rules.film), "--rights", "broadcasting")
    assert broadcast["territories"][0]["requirements"] == []

    rules.ok("attest", str(rules.film), "--kind", "2", "--territory", "156", "--reject", "--key-env", "REVIEWER_KEY")
    rejected = rules.ok("rules", "check", str(rules.film))
    assert "\trejected\t" in rejected and f"work {rules.film}: not met in 156 China" in rejected

    withdrawn = rules.ok("rules", "withdraw", str(requirement_id), "--territory", "156", "--key-env", "REGULATOR_KEY")
    assert f"requirement {requirement_id} of 156 China withdrawn" in withdrawn
    assert rules.ok("rules", "show").strip() == "no territory has a requirement"
    assert rules.json("rules", "check", str(rules.film)) == {"work_id": str(rules.film), "met": True, "territories": []}


def test_the_admin_defines_a_kind_once_and_reviewers_attest_with_its_number(rules: Rules) -> None:
    out = rules.ok("rules", "kind", "define", "9", "--name", "broadcast_permit", "--meaning", "may be broadcast",
                   "--key-env", "ADMIN_KEY")  # fmt: skip
    assert "attestation kind 9 defined: broadcast_permit" in out
    assert {"kind": 9, "name": "broadcast_permit", "meaning": "may be broadcast"} in rules.json("rules", "kinds")
    again = rules.run("rules", "kind", "define", "9", "--name", "other", "--meaning", "x", "--key-env", "ADMIN_KEY")
    assert again.returncode == 1 and "already defined" in again.stderr
    attested = rules.ok("attest", str(rules.podcast), "--kind", "9", "--territory", "156", "--key-env", "REVIEWER_KEY")
    assert "approved (kind 9, 156 China)" in attested


def test_a_window_that_ends_before_it_starts_sends_nothing(rules: Rules) -> None:
    before = rules.height()
    done = rules.run("attest", str(rules.film), "--kind", "filing", "--valid-from", "2027-01-02T00:00:00",
                     "--valid-until", "2027-01-01T12:00:00+08:00", "--key-env", "REVIEWER_KEY")  # fmt: skip
    assert done.returncode == 2 and "is not after --valid-from" in done.stderr
    assert rules.height() == before
