"""Review and dispute commands: ``attest`` (reviewers), ``dispute open`` (anyone, with a bond),
``dispute answer`` (the work's owner, once, before the deadline), ``dispute resolve`` (arbiters),
``dispute lapse`` (anyone, after the ruling period) and ``dispute show``.

Each role is the chain's: a call the account's role does not allow is refused by its typed error
(``AccessDenied``) before anything is sent. The owner's answer is an evidence CID on chain
(``DisputeAnswered``), public like the claimant's, for the arbiter to read before ruling.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from client_sdk.kinds import STANDARD_KINDS

from ._common import DeploymentsOpt, KeyEnvOpt, KeystoreOpt, RpcOpt, connect_hub, friendly, signing_hub
from ._output import JsonOpt, money, money_json, say, show_record, territories
from ._output import when as iso

dispute_app = typer.Typer(
    no_args_is_help=True, help="Disputes: open (anyone), answer (the owner), resolve (arbiters), lapse, show."
)

DisputeArg = Annotated[int, typer.Argument(min=1, help="the dispute")]

#: attestation kinds by name: the standard ones every deployment defines (client_sdk.kinds), and the name
#: kind 3 had before it was defined on chain; other numbers are allowed (0 is invalid)
KINDS = {**{name: int(kind) for kind, (name, _) in STANDARD_KINDS.items()}, "import_permit": 3}


class DecisionChoice(StrEnum):
    approved = "approved"
    rejected = "rejected"


class OutcomeChoice(StrEnum):
    upheld_frozen = "upheld_frozen"
    upheld_transferred = "upheld_transferred"
    rejected = "rejected"


def register(app: typer.Typer) -> None:
    app.command("attest")(friendly(attest))
    app.add_typer(dispute_app, name="dispute")
    dispute_app.command("open")(friendly(dispute_open))
    dispute_app.command("answer")(friendly(dispute_answer))
    dispute_app.command("resolve")(friendly(dispute_resolve))
    dispute_app.command("lapse")(friendly(dispute_lapse))
    dispute_app.command("show")(friendly(dispute_show))


def _kind(text: str) -> int:
    if text in KINDS:
        return KINDS[text]
    if text.isdigit() and 1 <= int(text) <= 255:
        return int(text)
    raise typer.BadParameter(
        f"--kind {text!r}: use {_kind_names()} or a number 1-255 (`copyright-hub rules kinds` lists the kinds defined "
        "on chain)"
    )


def _territory(code: int) -> int:
    from client_sdk.terms import territory_name

    if code and territory_name(code).startswith("not an ISO"):
        raise typer.BadParameter(f"--territory {code} is not an ISO 3166-1 numeric code (e.g. 156 China); 0: worldwide")
    return code


def _cid(text: str, option: str) -> str:
    from client_sdk.content.cid import CID
    from client_sdk.content.errors import InvalidCID

    try:
        CID.parse(text)
    except InvalidCID:
        raise typer.BadParameter(f"{option} {text!r} is not a valid CID (e.g. bafy… or Qm…)") from None
    return text


def _kind_names() -> str:
    return ", ".join(KINDS)


def parse_moment(text: str, option: str, *, end: bool = False) -> int:
    """``2027-01-01`` or ``2027-01-01T08:00:00+08:00`` (UTC when no offset is given) as unix seconds, or a
    usage error naming ``option``. ``end``: a bare date is the last day of a window, so the window ends
    at the midnight after it (windows end exclusively on chain)."""
    from datetime import UTC, date, datetime, timedelta

    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + (timedelta(days=1) if end else timedelta())
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError:
        raise typer.BadParameter(
            f"{option} {text!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM] (UTC without an offset)"
        ) from None
    seconds = int(moment.timestamp())
    if not 0 < seconds < 2**40:
        raise typer.BadParameter(f"{option} {text!r} is outside the years 1970-36812 the chain's window can hold")
    return seconds


def attest(
    work_id: Annotated[int, typer.Argument(min=1, help="the work reviewed")],
    kind: Annotated[
        str,
        typer.Option(
            help="content_review | filing | import_approval | age_rating, or a number 1-255 (every kind defined "
            "on chain: `copyright-hub rules kinds`)"
        ),
    ],
    decision: Annotated[DecisionChoice, typer.Option(help="the review's result")] = DecisionChoice.approved,
    reject: Annotated[
        bool, typer.Option("--reject", help="record a rejection (the same as --decision rejected)")
    ] = False,
    territory: Annotated[int, typer.Option(min=0, max=999, help="ISO 3166-1 numeric code (0: worldwide)")] = 0,
    reference: Annotated[str, typer.Option("--ref", "--reference", help="its reference, e.g. the filing number")] = "",
    valid_from: Annotated[
        str | None, typer.Option(help="first day it is valid: YYYY-MM-DD, or a time (default: from now)")
    ] = None,
    valid_until: Annotated[
        str | None, typer.Option(help="last day it is valid: YYYY-MM-DD (or the time it ends); default: no end")
    ] = None,
    evidence: Annotated[str | None, typer.Option(help="CID of the review's evidence document")] = None,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Record a review attestation on a work (REVIEWER_ROLE on the registry): a content review, a filing
    with its number (--ref), an import approval... for a territory, optionally valid only from/until a date.
    A regulator's requirement is met by the latest attestation of its kind for its territory (or for
    everywhere): approved, not revoked, within its window."""
    from client_sdk.terms import Decision

    code = _kind(kind)
    where = _territory(territory)
    evidence_cid = _cid(evidence, "--evidence") if evidence else ""
    start = parse_moment(valid_from, "--valid-from") if valid_from else 0
    until = parse_moment(valid_until, "--valid-until", end=True) if valid_until else 0
    if start and until and until <= start:
        raise typer.BadParameter(
            f"--valid-until {valid_until} is not after --valid-from {valid_from}; nothing was sent"
        )
    verdict = DecisionChoice.rejected if reject else decision
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        attestation_id = hub.attest(
            work_id, code, Decision[verdict.value.upper()], territory=where, reference=reference,
            evidence_cid=evidence_cid, valid_from=start, valid_until=until,
        )  # fmt: skip
    name = next((n for n, k in KINDS.items() if k == code), None)
    details = [f"kind {code}" + (f" {name}" if name else ""), territories([where] if where else [])]
    if reference:
        details.append(f"ref {reference}")
    if start or until:
        details.append(f"valid {iso(start) if start else 'now'} until {iso(until) if until else 'no end'}")
    say(f"attestation {attestation_id} on work {work_id}: {verdict.value} ({', '.join(details)})")


def dispute_open(
    work_id: Annotated[int, typer.Argument(min=1, help="the work disputed")],
    evidence: Annotated[str, typer.Option(help="CID of the claim's evidence document (public)")],
    bond: Annotated[str | None, typer.Option(help="bond in ETH (default: the resolver's minimum)")] = None,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Open a dispute against a work, posting a bond (returned if upheld or lapsed)."""
    from client_sdk import ETH

    from .market import parse_amount

    evidence_cid = _cid(evidence, "--evidence")
    wei = parse_amount(bond, ETH) if bond is not None else None
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        minimum = hub.min_bond()
        if wei is None:
            wei = minimum
        elif wei < minimum:
            from client_sdk.errors import ConfigurationError

            raise ConfigurationError(
                f"--bond {money(wei, ETH)} is below the minimum {money(minimum, ETH)}; nothing was sent"
            )
        dispute_id = hub.open_dispute(work_id, evidence_cid, bond=wei)
        deadline = hub.get_dispute(dispute_id).deadline
    say(
        f"dispute {dispute_id} on work {work_id} opened with a bond of {money(wei, ETH)}; ruling due by {iso(deadline)}"
    )


def dispute_answer(
    dispute_id: DisputeArg,
    evidence: Annotated[str, typer.Option(help="CID of the answer's evidence document (public)")],
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Answer an open dispute on your work with your evidence (once, before its ruling deadline)."""
    evidence_cid = _cid(evidence, "--evidence")
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        hub.answer_dispute(dispute_id, evidence_cid)
        d = hub.get_dispute(dispute_id)
    say(f"dispute {dispute_id} on work {d.work_id} answered with {evidence_cid}; ruling due by {iso(d.deadline)}")


def dispute_resolve(
    dispute_id: DisputeArg,
    outcome: Annotated[OutcomeChoice, typer.Option(help="the ruling")],
    revoke_licence: Annotated[list[int] | None, typer.Option(min=1, help="a licence to revoke (repeatable)")] = None,
    split: Annotated[
        list[str] | None,
        typer.Option(
            help="upheld_transferred: new owners ADDRESS:BPS, the claimant first (default: the claimant alone)"
        ),
    ] = None,
    ruling: Annotated[str | None, typer.Option(help="CID of the ruling document")] = None,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Rule on a dispute within its ruling period (ARBITER_ROLE on the resolver)."""
    from client_sdk.terms import Outcome

    from .works import _parse_split

    splits = [_parse_split(s) for s in split or []]
    if splits and outcome is not OutcomeChoice.upheld_transferred:
        raise typer.BadParameter("--split goes with --outcome upheld_transferred only")
    ruling_cid = _cid(ruling, "--ruling") if ruling else ""
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        hub.resolve_dispute(
            dispute_id, Outcome[outcome.value.upper()], revoke_licences=revoke_licence or [], splits=splits,
            ruling_cid=ruling_cid,
        )  # fmt: skip
        shown = hub.get_dispute(dispute_id)
    say(f"dispute {dispute_id} on work {shown.work_id}: {shown.outcome.name.lower()}")


def dispute_lapse(
    dispute_id: DisputeArg,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Close a dispute nobody ruled on by its deadline (anyone); the bond returns to the claimant."""
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        hub.lapse_dispute(dispute_id)
    say(f"dispute {dispute_id} lapsed; the claimant can withdraw the bond")


def dispute_show(
    dispute_id: DisputeArg,
    as_json: JsonOpt = False,
    rpc: RpcOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """A dispute as the chain holds it: work, claimant, bond, state, whether the owner answered, deadline."""
    from client_sdk import ETH

    with connect_hub(rpc, deployments) as hub:
        d = hub.get_dispute(dispute_id)
    record = {
        "dispute_id": str(dispute_id),
        "work_id": str(d.work_id),
        "claimant": d.claimant,
        "bond": money_json(d.bond, ETH),
        "open": d.open,
        "outcome": d.outcome.name.lower(),
        "deadline": d.deadline,
        "deadline_iso": iso(d.deadline),
        "answered": d.answered,
    }
    labels = [
        ("claimant", "claimant"), ("bond", "bond"), ("outcome", "outcome"), ("answered", "answered"),
        ("deadline_iso", "ruling due"),
    ]  # fmt: skip
    state = "open" if d.open else "closed"
    show_record(record, labels, as_json=as_json, heading=f"dispute {dispute_id} on work {d.work_id}: {state}")
