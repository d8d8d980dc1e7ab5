"""Licensing commands for studios and buyers: publish, reprice and cancel offers (one, or every signed
one), buy a licence, check one, list your offers, the licences sold on your works and your earnings,
withdraw, assign a work. Keys stay local (``--keystore`` or ``--key-env``).

The lists (``offer list``, ``licence sold``, ``earnings``) are read from the chain itself (its event
logs and current state, through --rpc), not from a hub's mirror: the chain is the truth and no server
is needed. Heavy modules load inside the commands (the CLI starts fast).
"""

from __future__ import annotations

import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import (
    DeploymentsOpt,
    KeyEnvOpt,
    KeystoreOpt,
    RpcOpt,
    connect_hub,
    friendly,
    need_key,
    read_chain,
    signing_hub,
)
from ._output import (
    AccountOpt,
    JsonOpt,
    MineOpt,
    address,
    learn_tokens,
    money,
    money_json,
    say,
    show_record,
    show_rows,
    territories,
    whose,
)
from ._output import when as iso

offer_app = typer.Typer(no_args_is_help=True, help="Licence offers: publish, reprice, cancel, list, show.")
licence_app = typer.Typer(
    no_args_is_help=True, help="Licences: show one as the chain holds it; those sold on your works."
)

DAY = 86_400


def register(app: typer.Typer) -> None:
    app.add_typer(offer_app, name="offer")
    app.add_typer(licence_app, name="licence")
    app.command("buy")(friendly(buy))
    app.command("withdraw")(friendly(withdraw))
    app.command("transfer")(friendly(transfer))
    app.command("earnings")(friendly(earnings))
    offer_app.command("create")(friendly(offer_create))
    offer_app.command("cancel")(friendly(offer_cancel))
    offer_app.command("sign")(friendly(offer_sign))
    offer_app.command("cancel-signed")(friendly(offer_cancel_signed))
    offer_app.command("reprice")(friendly(offer_reprice))
    offer_app.command("reprice-signed")(friendly(offer_reprice_signed))
    offer_app.command("cancel-all")(friendly(offer_cancel_all))
    offer_app.command("show")(friendly(offer_show))
    offer_app.command("list")(friendly(offer_list))
    licence_app.command("show")(friendly(licence_show))
    licence_app.command("sold")(friendly(licence_sold))


def parse_rights(text: str) -> int:
    """``information_network,broadcasting`` -> the rights bitmask."""
    from client_sdk import Right

    mask = 0
    for name in (p.strip() for p in text.split(",") if p.strip()):
        try:
            mask |= Right[name.upper()]
        except KeyError:
            known = ", ".join(str(r.name).lower() for r in Right)
            raise typer.BadParameter(f"unknown right {name!r}; use a comma-separated list of: {known}") from None
    if not mask:
        raise typer.BadParameter("name at least one right")
    return int(mask)


def parse_amount(text: str, currency: str) -> int:
    """ETH amounts in ether (``0.1``); ERC-20 amounts in the token's base units (an integer)."""
    from client_sdk import ETH

    try:
        value = Decimal(text)
    except InvalidOperation:
        raise typer.BadParameter(f"{text!r} is not a number") from None
    if value < 0:
        raise typer.BadParameter("an amount cannot be negative")
    if currency == ETH:
        wei = value * Decimal(10**18)
        if wei != wei.to_integral_value():
            raise typer.BadParameter(f"{text} ETH has more than 18 decimals")
        return int(wei)
    if value != value.to_integral_value():
        raise typer.BadParameter("ERC-20 amounts are given in the token's base units (a whole number)")
    return int(value)


# the terms options, shared by `offer create` (on chain) and `offer sign` (off chain)
WorkArg = Annotated[int, typer.Argument(help="the work (you must own it)")]
RightsOpt = Annotated[str, typer.Option(help="comma-separated, e.g. information_network,broadcasting")]
PriceOpt = Annotated[str, typer.Option(help="in ETH (0.1), or ERC-20 base units with --currency")]
CurrencyOpt = Annotated[str, typer.Option(help="ETH or an allow-listed ERC-20 address")]
DaysOpt = Annotated[int, typer.Option(help="licence length from --start")]
StartOpt = Annotated[int | None, typer.Option(help="unix seconds the licence starts (default now)")]
TerritoryOpt = Annotated[list[int] | None, typer.Option(help="ISO 3166-1 numeric code, repeatable; none = worldwide")]
ExclusiveOpt = Annotated[bool, typer.Option(help="an exclusive licence")]
FlagOpt = Annotated[bool, typer.Option()]
#: a signed offer goes to a hub's order book (``offer sign``, ``offer reprice-signed``): both or neither
PublishOpt = Annotated[bool, typer.Option(help="put it in the hub's order book (--hub)")]
PublishHubOpt = Annotated[str | None, typer.Option("--hub", help="the hub's API URL, for --publish")]


def build_terms(
    work_id: int, rights: str, price: str, currency: str, days: int, start: int | None,
    territory: list[int] | None, exclusive: bool, sublicensable: bool, transferable: bool, supply_cap: int,
) -> Any:  # fmt: skip
    """The :class:`~client_sdk.Terms` the terms options describe (usage errors for bad ones)."""
    from client_sdk import ETH, Terms

    token = ETH if currency.upper() == "ETH" else currency
    if days < 1:
        raise typer.BadParameter("--days must be at least 1")
    begin = int(time.time()) if start is None else start
    return Terms(
        work_id=work_id,
        rights=parse_rights(rights),
        start=begin,
        end=begin + days * DAY,
        price=parse_amount(price, token),
        currency=token,
        territories=tuple(sorted(territory or ())),
        exclusive=exclusive,
        sublicensable=sublicensable,
        transferable=transferable,
        supply_cap=supply_cap,
    )


def offer_create(
    work_id: WorkArg,
    rights: RightsOpt,
    price: PriceOpt,
    currency: CurrencyOpt = "ETH",
    days: DaysOpt = 365,
    start: StartOpt = None,
    territory: TerritoryOpt = None,
    exclusive: ExclusiveOpt = False,
    sublicensable: FlagOpt = False,
    transferable: FlagOpt = False,
    supply_cap: Annotated[int, typer.Option(help="most licences this offer sells (0 = no cap)")] = 0,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Publish a licence offer on chain."""
    need_key(keystore, key_env)
    terms = build_terms(work_id, rights, price, currency, days, start, territory, exclusive, sublicensable,
                        transferable, supply_cap)  # fmt: skip
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        offer_id = hub.create_offer(terms)
        learn_tokens(hub.w3, [terms.currency])
    say(f"offer {offer_id} on work {work_id}: {rights} for {money(terms.price, terms.currency)}")


def offer_sign(
    work_id: WorkArg,
    rights: RightsOpt,
    price: PriceOpt,
    nonce: Annotated[int, typer.Option(min=0, max=2**256 - 1, help="your number for this offer; each sells once")],
    currency: CurrencyOpt = "ETH",
    days: DaysOpt = 365,
    start: StartOpt = None,
    territory: TerritoryOpt = None,
    exclusive: ExclusiveOpt = False,
    sublicensable: FlagOpt = False,
    transferable: FlagOpt = False,
    supply_cap: Annotated[int, typer.Option(min=1, help="most licences the signature sells (at least 1)")] = 1,
    valid_days: Annotated[int, typer.Option(min=1, help="days the signature may be redeemed")] = 30,
    buyer: Annotated[
        str | None, typer.Option(help="the only account that may buy (0x address); required for --exclusive")
    ] = None,
    any_buyer: Annotated[
        bool, typer.Option(help="let anyone fill an exclusive offer (copyable from the mempool)")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="write the signed offer (JSON) here")] = None,
    publish: PublishOpt = False,
    hub_url: PublishHubOpt = None,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Sign a licence offer off chain (EIP-712; nothing is sent): print it as JSON, or --publish it to
    a hub's order book, which checks it against the chain first. Cancel it with `offer cancel-signed`."""
    need_key(keystore, key_env)
    book = _order_book(publish, hub_url)
    terms = build_terms(work_id, rights, price, currency, days, start, territory, exclusive, sublicensable,
                        transferable, supply_cap)  # fmt: skip
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        offer = hub.sign_offer(
            terms, nonce=nonce, deadline=hub.chain_time() + valid_days * DAY, buyer=buyer, any_buyer=any_buyer
        )
    _hand_out(offer, out, book)


def _order_book(publish: bool, hub_url: str | None) -> str | None:
    """The hub whose order book ``--publish`` puts a signed offer in (None: not published); ``--publish``
    without ``--hub`` is refused before anything is signed."""
    from client_sdk.errors import ConfigurationError

    if publish and not hub_url:
        raise ConfigurationError("--publish needs the hub's API URL: --hub https://hub.example.org")
    return hub_url if publish else None


def _hand_out(offer: Any, out: Path | None, hub_url: str | None) -> None:
    """A signed offer: written to ``out``, put in the order book of ``hub_url``, or printed as JSON."""
    import json

    from client_sdk._licensing import publish_signed_offer, signed_offer_to_json

    document = json.dumps(signed_offer_to_json(offer), indent=1)
    if out is not None:
        out.write_text(document + "\n", encoding="utf-8")
    if hub_url is not None:
        stored = publish_signed_offer(hub_url, offer)
        say(f"signed offer {stored['digest']} in the order book: {stored['status']}")
    elif out is None:
        print(document)


def offer_cancel_signed(
    nonce: Annotated[int, typer.Argument(min=0, max=2**256 - 1, help="the nonce of your signed offer")],
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Void your signed offer with NONCE on chain (hubs delist it once they see it)."""
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        hub.cancel_nonce(nonce)
    say(f"signed offer nonce {nonce} cancelled")


def offer_cancel(
    offer_id: int,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Cancel an offer you published (licences already sold stay valid)."""
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        hub.cancel_offer(offer_id)
    say(f"offer {offer_id} cancelled")


def offer_show(
    offer_id: Annotated[int, typer.Argument(min=1, help="the offer")],
    as_json: JsonOpt = False,
    rpc: RpcOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """An offer's terms, price and sales, read from the chain."""
    with connect_hub(rpc, deployments) as hub:
        terms, sold, cancelled = hub.get_offer(offer_id)
        learn_tokens(hub.w3, [terms.currency])
    record = _offer_record(offer_id, terms, sold, cancelled)
    show_record(record, OFFER_LABELS, as_json=as_json, heading=f"offer {offer_id} on work {terms.work_id}"
                + (" (cancelled)" if cancelled else ""))  # fmt: skip


#: the fields ``offer show`` prints, in order (``offer list --json`` carries the same keys)
OFFER_LABELS = (
    ("rights", "rights"), ("territories_text", "territories"), ("start_iso", "from"), ("end_iso", "until"),
    ("price", "price"), ("exclusive", "exclusive"), ("sold", "sold"), ("supply_cap", "supply cap"),
    ("cancelled", "cancelled"),
)  # fmt: skip


def _offer_record(offer_id: int, terms: Any, sold: int, cancelled: bool) -> dict[str, Any]:
    from client_sdk.terms import rights_names

    return {
        "offer_id": str(offer_id),
        "work_id": str(terms.work_id),
        "rights": rights_names(terms.rights),
        "territories": list(terms.territories),
        "territories_text": territories(terms.territories),
        "start": terms.start,
        "start_iso": iso(terms.start),
        "end": terms.end,
        "end_iso": iso(terms.end),
        "price": money_json(terms.price, terms.currency),
        "exclusive": terms.exclusive,
        "sublicensable": terms.sublicensable,
        "transferable": terms.transferable,
        "sold": str(sold),
        "supply_cap": str(terms.supply_cap) if terms.supply_cap else "none",
        "cancelled": cancelled,
    }


def buy(
    offer_id: Annotated[int, typer.Argument(help="the offer to buy from")],
    max_price: Annotated[str, typer.Option(help="the most you will pay (ETH, or ERC-20 base units)")],
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Buy a licence. A price above --max-price is refused before anything is sent."""
    from client_sdk import ETH
    from client_sdk.errors import ConfigurationError

    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        terms, _sold, cancelled = hub.get_offer(offer_id)
        limit = parse_amount(max_price, terms.currency)
        learn_tokens(hub.w3, [terms.currency])
        if cancelled:
            raise ConfigurationError(f"offer {offer_id} is cancelled; nothing was bought")
        if terms.price > limit:
            raise ConfigurationError(
                f"offer {offer_id} costs {money(terms.price, terms.currency)}, above your --max-price "
                f"{money(limit, terms.currency)}; nothing was bought"
            )
        if terms.currency != ETH:
            hub.approve_currency(terms.currency, terms.price)
        bought = hub.purchase(offer_id, max_price=limit, currency=terms.currency)
    say(f"licence {bought.licence_id} bought for {money(bought.price, terms.currency)} (tx {bought.tx_hash})")


def withdraw(
    currency: Annotated[str, typer.Option(help="ETH or an ERC-20 address")] = "ETH",
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Withdraw your earnings (revenue shares, fees) from the licence market."""
    from client_sdk import ETH

    token = ETH if currency.upper() == "ETH" else currency
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        waiting = hub.credit_of(hub.account.address, token)
        if waiting == 0:
            say("nothing to withdraw")
            return
        amount = hub.withdraw(token)
        learn_tokens(hub.w3, [token])
    say(f"withdrew {money(amount, token)}")


def transfer(
    work_id: Annotated[int, typer.Argument(help="the work to assign")],
    to: Annotated[str, typer.Argument(help="the new lead owner's address")],
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Assign a work: the token, the lead revenue share and the right to manage offers move to TO."""
    need_key(keystore, key_env)
    new_owner = address(to, "TO")
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        tx = hub.transfer_work(work_id, new_owner)
    say(f"work {work_id} assigned to {new_owner} (tx {tx})")


def licence_show(
    licence_id: Annotated[int, typer.Argument(min=1, help="the licence")],
    at: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=2**40 - 1,
            help="unix seconds: the status at that time, past or future (default: now on chain)",
        ),
    ] = None,
    as_json: JsonOpt = False,
    rpc: RpcOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """A licence as the chain holds it, and its status now (or --at a given time)."""
    from client_sdk.terms import rights_names

    with read_chain(rpc, deployments) as chain:  # plain JSON-RPC, no web3: this command starts fast
        lic = chain.get_licence(licence_id)
        status = chain.licence_status(licence_id, at)
    record = {
        "licence_id": str(licence_id),
        "work_id": str(lic.work_id),
        "status": status.name.lower(),
        "at": at,
        "holder": lic.holder,
        "rights": rights_names(lic.rights),
        "start": lic.start,
        "start_iso": iso(lic.start),
        "end": lic.end,
        "end_iso": iso(lic.end),
        "exclusive": lic.exclusive,
        "sublicensable": lic.sublicensable,
        "transferable": lic.transferable,
        "revoked_at": lic.revoked_at or None,
        "revoked_at_iso": iso(lic.revoked_at) if lic.revoked_at else None,
    }
    labels = [("holder", "holder"), ("rights", "rights"), ("start_iso", "from"), ("end_iso", "until"),
              ("exclusive", "exclusive")]  # fmt: skip
    if lic.revoked_at:
        labels.append(("revoked_at_iso", "revoked at"))  # valid by its window before that
    when = "" if at is None else f" at {at} ({iso(at)})"
    show_record(record, labels, as_json=as_json,
                heading=f"licence {licence_id} on work {lic.work_id}{when}: {record['status']}")  # fmt: skip


def offer_reprice(
    offer_id: Annotated[int, typer.Argument(min=1, help="your on-chain offer")],
    price: PriceOpt,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Change the price of an on-chain offer you published: one transaction (setOfferPrice); the terms
    stay, licences sold stay valid, a buyer's --max-price still caps what they pay. A signed offer
    cannot change: `offer reprice-signed` signs its terms anew and voids the old nonce."""
    from client_sdk import ETH

    need_key(keystore, key_env)
    parse_amount(price, ETH)  # a malformed or negative price is refused before the chain is asked
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        terms, _sold, cancelled = hub.get_offer(offer_id)
        new_price = parse_amount(price, terms.currency)
        learn_tokens(hub.w3, [terms.currency])
        if new_price >= 2**96:
            raise typer.BadParameter("--price is above what an offer can hold (2^96 - 1 base units)")
        if cancelled:
            from client_sdk.errors import ConfigurationError

            raise ConfigurationError(f"offer {offer_id} is cancelled; publish a new one with `offer create`")
        hub.set_offer_price(offer_id, new_price)
    say(f"offer {offer_id}: {money(terms.price, terms.currency)} -> {money(new_price, terms.currency)}")


def offer_reprice_signed(
    file: Annotated[Path, typer.Argument(help="your signed offer, as `offer sign --out` wrote it")],
    price: PriceOpt,
    nonce: Annotated[int, typer.Option(min=0, max=2**256 - 1, help="the new offer's nonce (not the old one's)")],
    valid_days: Annotated[int, typer.Option(min=1, help="days the new signature may be redeemed")] = 30,
    out: Annotated[Path | None, typer.Option(help="write the new signed offer (JSON) here")] = None,
    publish: PublishOpt = False,
    hub_url: PublishHubOpt = None,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Change the price of a signed offer: the same terms signed again at --price with a new --nonce,
    then the old nonce voided on chain (one transaction), so the old price can no longer be bought."""
    import json
    from dataclasses import replace

    from client_sdk import ETH
    from client_sdk._licensing import signed_offer_from_json
    from client_sdk.errors import ConfigurationError

    need_key(keystore, key_env)
    book = _order_book(publish, hub_url)
    parse_amount(price, ETH)  # a malformed or negative price is refused before the chain is asked
    try:
        old = signed_offer_from_json(json.loads(file.read_text(encoding="utf-8")))
    except (ValueError, AttributeError) as exc:  # JSON, UTF-8 or a field that does not fit
        raise ConfigurationError(f"{file} is not a signed offer ({exc}); give the JSON `offer sign` wrote") from None
    if nonce == old.nonce:
        raise typer.BadParameter(f"--nonce {nonce} is the old offer's; the new offer needs its own")
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        if int(old.seller, 16) != int(hub.account.address, 16):
            raise ConfigurationError(f"{file} was signed by {old.seller}, not by your key ({hub.account.address})")
        terms = replace(old.terms, price=parse_amount(price, old.terms.currency))
        bound = int(old.buyer, 16) != 0  # the new signature binds the same buyer the old one did
        new = hub.sign_offer(
            terms,
            nonce=nonce,
            deadline=hub.chain_time() + valid_days * DAY,
            buyer=old.buyer if bound else None,
            any_buyer=not bound,
        )
        hub.cancel_nonce(old.nonce)
        learn_tokens(hub.w3, [terms.currency])
    say(f"signed offer nonce {old.nonce} voided; nonce {nonce} signed at {money(terms.price, terms.currency)}",
        err=out is None and book is None)  # fmt: skip
    _hand_out(new, out, book)


def offer_cancel_all(
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Void every signed offer you have made so far, in one transaction (bumps your signed-offer
    counter; hubs delist them once they see it). On-chain offers stay: cancel each with `offer cancel`."""
    with signing_hub(rpc, deployments, keystore, key_env) as hub:
        counter = hub.increment_counter()
    say(f"every signed offer made before is void (counter now {counter})")


def offer_list(
    mine: MineOpt = False,
    account: AccountOpt = None,
    active: Annotated[bool, typer.Option("--active", help="only offers not cancelled, unsold out, not ended")] = False,
    as_json: JsonOpt = False,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """The on-chain offers an account published (--mine: yours), with their state now. Read from the
    chain (OfferCreated logs since the deployment, then each offer), not from a hub's mirror; signed
    offers live off chain: ask the hub's order book (GET /signed-offers)."""
    who = whose(account, mine, keystore, key_env)
    rows = []
    with connect_hub(rpc, deployments) as hub:
        now = hub.chain_time()
        for offer_id in hub.offers_created_by(who):
            terms, sold, cancelled = hub.get_offer(offer_id)
            learn_tokens(hub.w3, [terms.currency])
            sold_out = bool(terms.supply_cap) and sold >= terms.supply_cap
            if active and (cancelled or sold_out or terms.end <= now):
                continue
            rows.append(_offer_record(offer_id, terms, sold, cancelled))
    columns = [("offer_id", "offer"), ("work_id", "work"), *OFFER_LABELS]
    show_rows(rows, columns, as_json=as_json, title=f"offers by {who}", empty=f"no offers by {who}")


def licence_sold(
    mine: MineOpt = False,
    account: AccountOpt = None,
    work: Annotated[list[int] | None, typer.Option(min=1, help="only this work (repeatable)")] = None,
    as_json: JsonOpt = False,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """The licences sold on the works an account holds now (--mine: yours), oldest first. Read from
    the chain (LicenceGranted logs), not from a hub's mirror."""

    who = whose(account, mine, keystore, key_env)
    with connect_hub(rpc, deployments) as hub:
        works = hub.works_owned_by(who)
        if work:
            works = [w for w in works if w in set(work)]
        sales = hub.sales_of(works)
        learn_tokens(hub.w3, {s.currency for s in sales})
    rows = [_sale_record(s) for s in sales]
    columns = [("licence_id", "licence"), ("work_id", "work"), ("licensee", "licensee"), ("rights", "rights"),
               ("start_iso", "from"), ("end_iso", "until"), ("price", "price"), ("tx", "tx")]  # fmt: skip
    show_rows(rows, columns, as_json=as_json, title=f"licences sold on works of {who}",
              empty=f"no licences sold on works of {who}")  # fmt: skip


def earnings(
    mine: MineOpt = False,
    account: AccountOpt = None,
    as_json: JsonOpt = False,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """An account's takings per currency (--mine: yours): its shares of sales credited, withdrawn, and
    waiting (what `withdraw` pays now). Read from the chain (PaymentCredited and Withdrawn logs,
    creditOf), not from a hub's mirror."""
    who = whose(account, mine, keystore, key_env)
    with connect_hub(rpc, deployments) as hub:
        found = hub.earnings_of(who)
        learn_tokens(hub.w3, {e.currency for e in found})
    rows = [
        {
            "currency": "ETH" if int(e.currency, 16) == 0 else e.currency,
            "sales": str(e.sales),
            "credited": money_json(e.credited, e.currency),
            "withdrawn": money_json(e.withdrawn, e.currency),
            "waiting": money_json(e.waiting, e.currency),
        }
        for e in found
    ]
    columns = [("currency", "currency"), ("sales", "sales"), ("credited", "credited"), ("withdrawn", "withdrawn"),
               ("waiting", "waiting")]  # fmt: skip
    show_rows(rows, columns, as_json=as_json, title=f"earnings of {who}", empty=f"no earnings for {who}")


def _sale_record(s: Any) -> dict[str, Any]:
    from client_sdk.terms import rights_names

    return {
        "licence_id": str(s.licence_id), "work_id": str(s.work_id), "licensee": s.licensee,
        "offer_id": str(s.offer_id) if s.offer_id else None, "rights": rights_names(s.rights),
        "start": s.start, "start_iso": iso(s.start), "end": s.end, "end_iso": iso(s.end),
        "price": money_json(s.price, s.currency), "fee": money_json(s.fee, s.currency),
        "block": s.block_number, "tx": s.tx_hash,
    }  # fmt: skip
