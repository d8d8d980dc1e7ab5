"""Distribution requirements (the DistributionRules contract): ``rules kinds`` and ``rules kind define``
(attestation kinds with their names and meanings), ``rules regulator`` (the rules' admin names who
regulates a territory), ``rules require`` / ``rules withdraw`` (a territory's regulator), ``rules show``
(anyone: the requirements in force) and ``rules check WORK`` (anyone: per territory, which requirements
apply to a work and whether each is met now, with the attestation that decides it).

Reviewers attest with ``copyright-hub attest`` (:mod:`.review`). Every number and name comes from the
chain or from :mod:`client_sdk.kinds`; bad input is refused before anything is sent.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ._common import DeploymentsOpt, KeyEnvOpt, KeystoreOpt, RpcOpt, connect_hub, friendly, signing_hub
from ._output import JsonOpt, say, show_rows, territories
from ._output import when as iso
from .review import _kind, _territory

rules_app = typer.Typer(
    no_args_is_help=True,
    help="Distribution requirements: the attestations a regulator requires before a licence sells in its territory.",
)
kind_app = typer.Typer(no_args_is_help=True, help="Attestation kinds: define one (the rules' admin or a regulator).")

TerritoryOpt = Annotated[int, typer.Option(min=1, max=999, help="ISO 3166-1 numeric code, e.g. 156 (China)")]
KindOpt = Annotated[
    str, typer.Option(help="content_review | filing | import_approval | age_rating, or a kind number 1-255")
]


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
    rules_app.command("kinds")(friendly(kinds))
    rules_app.add_typer(kind_app, name="kind")
    kind_app.command("define")(friendly(kind_define))
    rules_app.command("regulator")(friendly(regulator))
    rules_app.command("require")(friendly(require))
    rules_app.command("withdraw")(friendly(withdraw))
    rules_app.command("show")(friendly(show))
    rules_app.command("check")(friendly(check))


def _region(code: int) -> int:
    """A requirement's territory: a real ISO 3166-1 code (worldwide is not a territory a regulator holds)."""
    if _territory(code) == 0:
        raise typer.BadParameter("--territory must name one territory (1-999), e.g. 156 for China")
    return code


def _work_types(names: list[str]) -> int:
    """``film``, ``series``... (the on-chain work types) as a requirement's work type mask; none: every type."""
    from client_sdk.kinds import ALL_WORK_TYPES_MASK, work_type_bit
    from client_sdk.terms import WORK_TYPES

    if not names:
        return ALL_WORK_TYPES_MASK
    mask = 0
    for name in names:
        if name not in WORK_TYPES:
            raise typer.BadParameter(f"--work-type {name!r} is not a work type; use {', '.join(WORK_TYPES)}")
        mask |= work_type_bit(WORK_TYPES.index(name))
    return mask


def _work_type_names(mask: int) -> list[str]:
    from client_sdk.kinds import ALL_WORK_TYPES_MASK
    from client_sdk.terms import work_type_name

    if mask == ALL_WORK_TYPES_MASK:
        return ["all"]
    return [work_type_name(i) for i in range(64) if mask >> i & 1]


def _kind_name(names: dict[int, tuple[str, str]], kind: int) -> str:
    return names[kind][0] if kind in names else f"kind {kind} (not defined)"


def kinds(
    as_json: JsonOpt = False,
    rpc: RpcOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Every attestation kind defined on chain, with its name and meaning (what reviewers attest with)."""
    with connect_hub(rpc, deployments) as hub:
        defined = hub.attestation_kinds()
    rows = [{"kind": k, "name": name, "meaning": meaning} for k, (name, meaning) in sorted(defined.items())]
    columns = [("kind", "kind"), ("name", "name"), ("meaning", "meaning")]
    show_rows(rows, columns, as_json=as_json, title="attestation kinds", empty="no attestation kind is defined")


def kind_define(
    kind: Annotated[int, typer.Argument(min=1, max=255, help="the kind's number (not yet defined)")],
    name: Annotated[str, typer.Option(help="a short name, e.g. broadcast_permit")],
    meaning: Annotated[str, typer.Option(help="what an approved attestation of this kind says")],
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Define an attestation kind, once: its number, name and meaning never change (the rules' admin or a regulator)."""
    if not name.strip():
        raise typer.BadParameter("--name must not be empty")
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        hub.define_kind(kind, name, meaning)
    say(f"attestation kind {kind} defined: {name}")


def regulator(
    account: Annotated[str, typer.Argument(help="the regulator's 0x address")],
    territory: Annotated[list[int], typer.Option(min=1, max=999, help="a territory it regulates (repeatable)")],
    remove: Annotated[bool, typer.Option("--remove", help="stop it regulating these territories")] = False,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Make an account the regulator of territories, or stop it being one (the rules' admin)."""
    from ._output import address

    who = address(account, "ACCOUNT")
    codes = [_region(t) for t in territory]
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        hub.set_regulator(who, codes, not remove)
    say(f"{who} {'no longer regulates' if remove else 'regulates'} {territories(codes)}")


def require(
    territory: TerritoryOpt,
    kind: KindOpt,
    rights: Annotated[str, typer.Option(help="it binds licences granting any of these (comma-separated)")],
    work_type: Annotated[
        list[str] | None, typer.Option(help="an on-chain work type it binds (repeatable; film, series...); none: all")
    ] = None,
    change: Annotated[int | None, typer.Option(min=1, help="change this requirement instead of adding one")] = None,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Require a live attestation of a kind before a licence of these rights on works of these types sells in
    your territory (a regulator of it). Applies to sales from now on; licences already sold stay as they are."""
    from .market import parse_rights

    where, code, mask = _region(territory), _kind(kind), parse_rights(rights)
    types = _work_types(work_type or [])
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        requirement_id = hub.set_requirement(
            where, code, work_type_mask=types, rights_mask=mask, requirement_id=change or 0
        )
    verb = "changed" if change else "set"
    say(
        f"requirement {requirement_id} {verb} for {territories([where])}: kind {code} for "
        f"{', '.join(_work_type_names(types))} licensed with {rights}"
    )


def withdraw(
    requirement_id: Annotated[int, typer.Argument(min=1, help="the requirement (see `rules show`)")],
    territory: TerritoryOpt,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Withdraw one of your territory's requirements (a regulator of it): sales from now on skip it."""
    where = _region(territory)
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        hub.withdraw_requirement(where, requirement_id)
    say(f"requirement {requirement_id} of {territories([where])} withdrawn")


def _requirement_row(req: Any, names: dict[int, tuple[str, str]]) -> dict[str, Any]:
    from client_sdk.terms import rights_names, territory_name

    return {
        "territory": req.territory,
        "territory_name": territory_name(req.territory),
        "requirement_id": req.requirement_id,
        "kind": req.kind,
        "kind_name": _kind_name(names, req.kind),
        "work_types": _work_type_names(req.work_type_mask),
        "rights": rights_names(req.rights_mask),
    }


def show(
    territory: Annotated[
        int | None, typer.Option(min=1, max=999, help="one territory (default: every territory with requirements)")
    ] = None,
    as_json: JsonOpt = False,
    rpc: RpcOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """The requirements in force, per territory: which attestation kind, for which work types and rights."""
    where = _region(territory) if territory is not None else None
    with connect_hub(rpc, deployments) as hub:
        codes = [where] if where is not None else hub.regulated_territories()
        names = hub.attestation_kinds()
        rows = [_requirement_row(r, names) for code in codes for r in hub.requirements(code)]
    columns = [
        ("territory", "territory"), ("territory_name", "name"), ("requirement_id", "requirement"),
        ("kind_name", "kind"), ("work_types", "work types"), ("rights", "rights"),
    ]  # fmt: skip
    empty = f"no requirement in force in {territories([where])}" if where else "no territory has a requirement"
    show_rows(rows, columns, as_json=as_json, title="distribution requirements", empty=empty)


def check(
    work_id: Annotated[int, typer.Argument(min=1, help="the work")],
    rights: Annotated[
        str | None, typer.Option(help="the rights a licence would grant (comma-separated; default: any rights)")
    ] = None,
    territory: Annotated[
        list[int] | None,
        typer.Option(
            min=1, max=999, help="a territory to check (repeatable; default: every territory with requirements)"
        ),
    ] = None,
    as_json: JsonOpt = False,
    rpc: RpcOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Per territory, the requirements that apply to a work and whether each is met now (met, missing, rejected,
    revoked, not_yet_valid, expired), with the attestation that decides it."""
    import json

    from .market import parse_rights

    mask = parse_rights(rights) if rights is not None else None
    codes = [_region(t) for t in territory or []]
    with connect_hub(rpc, deployments) as hub:
        hub.get_work(work_id)  # WorkNotFound says so, before the requirements are read
        names = hub.attestation_kinds()
        found = hub.compliance(work_id, rights=mask, territories=codes)
    rows = [
        {
            **_requirement_row(c.requirement, names),
            "state": c.state,
            "met": c.met,
            "attestation_id": str(c.status.attestation_id) if c.status.attestation_id else None,
            "valid_from": c.status.valid_from,
            "valid_until": c.status.valid_until,
            "valid_until_iso": iso(c.status.valid_until) if c.status.valid_until else None,
        }
        for checks in found.values()
        for c in checks
    ]
    met = all(r["met"] for r in rows)
    if as_json:
        from client_sdk.terms import territory_name

        per_territory = [
            {
                "territory": code,
                "territory_name": territory_name(code),
                "met": all(r["met"] for r in rows if r["territory"] == code),
                "requirements": [r for r in rows if r["territory"] == code],
            }
            for code in found
        ]
        document = {"work_id": str(work_id), "met": met, "territories": per_territory}
        print(json.dumps(document, indent=1, ensure_ascii=False))
        return
    for row in rows:
        row["attestation"] = row["attestation_id"] or "none"
    columns = [
        ("territory", "territory"), ("territory_name", "name"), ("requirement_id", "requirement"),
        ("kind_name", "kind"), ("rights", "rights"), ("state", "state"), ("attestation", "attestation"),
    ]  # fmt: skip
    where = territories(codes) if codes else "every territory with requirements"
    show_rows(
        rows,
        columns,
        as_json=False,
        title=f"work {work_id}",
        empty=f"no requirement applies to work {work_id} in {where}",
    )
    if rows:
        unmet = sorted({r["territory"] for r in rows if not r["met"]})
        say(f"work {work_id}: " + ("every requirement is met" if met else f"not met in {territories(unmet)}"))
