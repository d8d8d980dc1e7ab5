"""Licensing commands for studios and buyers: publish and cancel offers, buy a licence, check one,
withdraw earnings, assign a work. Keys stay local (``--keystore`` or ``--key-env``)."""

from __future__ import annotations

import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from client_sdk.terms import format_amount, rights_names

from ._common import DeploymentsOpt, KeyEnvOpt, KeystoreOpt, RpcOpt, connect_hub, console, friendly, load_signer

offer_app = typer.Typer(no_args_is_help=True, help="Licence offers: publish, cancel, show.")
licence_app = typer.Typer(no_args_is_help=True, help="Licences: show one as the chain holds it.")

DAY = 86_400


def register(app: typer.Typer) -> None:
    app.add_typer(offer_app, name="offer")
    app.add_typer(licence_app, name="licence")
    app.command("buy")(friendly(buy))
    app.command("withdraw")(friendly(withdraw))
    app.command("transfer")(friendly(transfer))
    offer_app.command("create")(friendly(offer_create))
    offer_app.command("cancel")(friendly(offer_cancel))
    offer_app.command("sign")(friendly(offer_sign))
    offer_app.command("cancel-signed")(friendly(offer_cancel_signed))
    offer_app.command("show")(friendly(offer_show))
    licence_app.command("show")(friendly(licence_show))


def _hub(rpc: str | None, deployments: Path | None, keystore: Path | None = None, key_env: str | None = None) -> Any:
    return connect_hub(rpc, deployments, load_signer(keystore, key_env))  # no key: read-only


def _signing_hub(rpc: str | None, deployments: Path | None, keystore: Path | None, key_env: str | None) -> Any:
    """A hub that signs with the given key (a clear error when none is given)."""
    _need_key(keystore, key_env)
    return _hub(rpc, deployments, keystore, key_env)


def _need_key(keystore: Path | None, key_env: str | None) -> None:
    from client_sdk.errors import ConfigurationError

    if not keystore and not key_env:
        raise ConfigurationError("this signs a transaction: pass your key with --keystore FILE or --key-env VAR")


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
    _need_key(keystore, key_env)
    terms = build_terms(work_id, rights, price, currency, days, start, territory, exclusive, sublicensable,
                        transferable, supply_cap)  # fmt: skip
    with _hub(rpc, deployments, keystore, key_env) as hub:
        offer_id = hub.create_offer(terms)
    console.print(
        f"offer [bold]{offer_id}[/bold] on work {work_id}: {rights} for {format_amount(terms.price, terms.currency)}"
    )


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
    publish: Annotated[bool, typer.Option(help="put it in the hub's order book (--hub)")] = False,
    hub_url: Annotated[str | None, typer.Option("--hub", help="the hub's API URL, for --publish")] = None,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Sign a licence offer off chain (EIP-712; nothing is sent): print it as JSON, or --publish it to
    a hub's order book, which checks it against the chain first. Cancel it with `offer cancel-signed`."""
    import json

    from client_sdk._licensing import publish_signed_offer, signed_offer_to_json
    from client_sdk.errors import ConfigurationError

    _need_key(keystore, key_env)
    if publish and not hub_url:
        raise ConfigurationError("--publish needs the hub's API URL: --hub https://hub.example.org")
    terms = build_terms(work_id, rights, price, currency, days, start, territory, exclusive, sublicensable,
                        transferable, supply_cap)  # fmt: skip
    with _hub(rpc, deployments, keystore, key_env) as hub:
        offer = hub.sign_offer(
            terms, nonce=nonce, deadline=hub.chain_time() + valid_days * DAY, buyer=buyer, any_buyer=any_buyer
        )
    document = json.dumps(signed_offer_to_json(offer), indent=1)
    if out is not None:
        out.write_text(document + "\n", encoding="utf-8")
    if publish:
        assert hub_url is not None
        stored = publish_signed_offer(hub_url, offer)
        console.print(f"signed offer [bold]{stored['digest']}[/bold] in the order book: {stored['status']}")
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
    with _signing_hub(rpc, deployments, keystore, key_env) as hub:
        hub.cancel_nonce(nonce)
    console.print(f"signed offer nonce {nonce} cancelled")


def offer_cancel(
    offer_id: int,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Cancel an offer you published (licences already sold stay valid)."""
    with _signing_hub(rpc, deployments, keystore, key_env) as hub:
        hub.cancel_offer(offer_id)
    console.print(f"offer {offer_id} cancelled")


def offer_show(offer_id: int, rpc: RpcOpt = None, deployments: DeploymentsOpt = None) -> None:
    """An offer's terms, price and sales, read from the chain."""
    with _hub(rpc, deployments) as hub:
        terms, sold, cancelled = hub.get_offer(offer_id)
    names = ", ".join(rights_names(terms.rights))
    where = ", ".join(map(str, terms.territories)) or "worldwide"
    console.print(f"offer {offer_id} on work {terms.work_id}{' (cancelled)' if cancelled else ''}")
    console.print(f"  rights      {names}")
    console.print(f"  territories {where}")
    console.print(f"  window      {terms.start} .. {terms.end} (unix seconds)")
    console.print(f"  price       {format_amount(terms.price, terms.currency)}")
    console.print(
        f"  exclusive   {terms.exclusive}   sold {sold}" + (f" of {terms.supply_cap}" if terms.supply_cap else "")
    )


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

    _need_key(keystore, key_env)
    with _hub(rpc, deployments, keystore, key_env) as hub:
        terms, _sold, cancelled = hub.get_offer(offer_id)
        limit = parse_amount(max_price, terms.currency)
        if cancelled:
            raise ConfigurationError(f"offer {offer_id} is cancelled; nothing was bought")
        if terms.price > limit:
            raise ConfigurationError(
                f"offer {offer_id} costs {format_amount(terms.price, terms.currency)}, above your --max-price "
                f"{format_amount(limit, terms.currency)}; nothing was bought"
            )
        if terms.currency != ETH:
            hub.approve_currency(terms.currency, terms.price)
        bought = hub.purchase(offer_id, max_price=limit, currency=terms.currency)
    console.print(
        f"licence [bold]{bought.licence_id}[/bold] bought for {format_amount(bought.price, terms.currency)} "
        f"(tx {bought.tx_hash})"
    )


def withdraw(
    currency: Annotated[str, typer.Option(help="ETH or an ERC-20 address")] = "ETH",
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Withdraw your earnings (revenue shares, fees) from the licence market."""
    from client_sdk import ETH

    _need_key(keystore, key_env)
    token = ETH if currency.upper() == "ETH" else currency
    with _hub(rpc, deployments, keystore, key_env) as hub:
        waiting = hub.credit_of(hub.account.address, token)
        if waiting == 0:
            console.print("nothing to withdraw")
            return
        amount = hub.withdraw(token)
    console.print(f"withdrew {format_amount(amount, token)}")


def transfer(
    work_id: Annotated[int, typer.Argument(help="the work to assign")],
    to: Annotated[str, typer.Argument(help="the new lead owner's address")],
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Assign a work: the token, the lead revenue share and the right to manage offers move to TO."""
    from web3 import Web3

    _need_key(keystore, key_env)
    if not Web3.is_address(to):
        raise typer.BadParameter(f"{to!r} is not an address")
    with _hub(rpc, deployments, keystore, key_env) as hub:
        tx = hub.transfer_work(work_id, to)
    console.print(f"work {work_id} assigned to {Web3.to_checksum_address(to)} (tx {tx})")


def licence_show(
    licence_id: int,
    at: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=2**40 - 1,
            help="unix seconds: the status at that time, past or future (default: now on chain)",
        ),
    ] = None,
    rpc: RpcOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """A licence as the chain holds it, and its status now (or --at a given time)."""
    with _hub(rpc, deployments) as hub:
        lic = hub.get_licence(licence_id)
        status = hub.licence_status(licence_id, at)
    names = ", ".join(rights_names(lic.rights))
    when = "" if at is None else f" at {at}"
    console.print(f"licence {licence_id} on work {lic.work_id}{when}: [bold]{status.name.lower()}[/bold]")
    if lic.revoked_at:
        console.print(f"  revoked at {lic.revoked_at} (unix seconds); valid by its window before that")
    console.print(f"  holder  {lic.holder}")
    console.print(f"  rights  {names}")
    console.print(f"  window  {lic.start} .. {lic.end} (unix seconds)   exclusive {lic.exclusive}")
