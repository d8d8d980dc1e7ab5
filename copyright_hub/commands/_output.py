"""How the read commands print: one place for ``--json``, tables and the words values are shown in.

* ``--json``: one JSON document on stdout, keys in a fixed order, every uint256 (ids, amounts, wei) a
  decimal string (JavaScript reads it exactly), times as unix seconds *and* ISO 8601 UTC text.
* stdout a terminal: a rich table.
* stdout piped or redirected: plain tab-separated lines under a header line, never wrapped or cut,
  so hashes, addresses and ids stay whole for ``cut``/``awk``.

Values read as words: times as ISO 8601 UTC dates, territories as ``156 China``, amounts as decimals
with their currency (``0.25 ETH``, ``7.5 USDT``: a command reads its tokens first, :func:`learn_tokens`). The names come from :mod:`client_sdk.terms` (the one place for them).
Heavy modules (web3 through client_sdk.terms) load inside the functions: the CLI starts fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

import typer

#: ``(key, header)`` of each column a table shows; JSON carries every key of the rows.
Columns = Sequence[tuple[str, str]]

#: every read command takes --json: one stable JSON document on stdout (uint256 values as strings)
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON (stable keys; ids and amounts as strings)")]
#: whose works, offers, sales or earnings a list shows
AccountOpt = Annotated[str | None, typer.Option("--account", help="whose: a 0x address (instead of --mine)")]
MineOpt = Annotated[bool, typer.Option("--mine", help="yours: the account of --keystore/--key-env")]


def when(seconds: int) -> str:
    """Unix seconds as ISO 8601 UTC text (``never`` past year 9999: an open end)."""
    from client_sdk.terms import iso_time

    return iso_time(seconds) or "never"


def territories(codes: Sequence[int]) -> str:
    """``156 China, 826 United Kingdom…``; ``worldwide`` for none."""
    from client_sdk.terms import territory_name

    return ", ".join(f"{c} {territory_name(c)}" for c in codes) or "worldwide"


#: the ERC-20s this process learnt (``learn_tokens``), by lower-case address: what ``money`` shows them with
_TOKENS: dict[str, Any] = {}


def learn_tokens(w3: Any, currencies: Iterable[str]) -> None:
    """Read the ``symbol()`` and ``decimals()`` of each ERC-20 among ``currencies`` while the command
    holds its connection (:func:`client_sdk.tokens.token_facts`), so :func:`money` can show ``7.5 USDT``.
    A token that lacks them, or a chain that does not answer, leaves its amounts in base units."""
    from client_sdk.tokens import token_facts

    for currency in currencies:
        if int(currency, 16) != 0 and currency.lower() not in _TOKENS:
            _TOKENS[currency.lower()] = token_facts(w3, currency)


def money(value: int, currency: str) -> str:
    """``0.25 ETH``; an ERC-20 learnt (:func:`learn_tokens`) as ``7.5 USDT``, else in base units with
    the token's address (``7500000 units of token 0x…``)."""
    from client_sdk.tokens import amount_in_words

    return amount_in_words(value, currency, _TOKENS.get(currency.lower()))


def money_json(value: int, currency: str) -> dict[str, str]:
    """An amount in JSON: base units as a string, the currency (``ETH`` or the token), and in words."""
    from client_sdk.terms import ETH

    return {"amount": str(value), "currency": "ETH" if currency == ETH else currency, "text": money(value, currency)}


def address(text: str, option: str) -> str:
    """``text`` checksummed, or a usage error (exit code 2) naming ``option`` and how to fix it."""
    from client_sdk.errors import ConfigurationError
    from client_sdk.terms import checked_address

    try:
        return checked_address(text, option)
    except ConfigurationError as exc:
        raise typer.BadParameter(str(exc)) from None


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping) and "text" in value:
        return str(value["text"])
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def show_rows(rows: Sequence[Mapping[str, Any]], columns: Columns, *, as_json: bool, title: str, empty: str) -> None:
    """Print ``rows``: the JSON list, a table on a terminal, or tab-separated lines when piped."""
    if as_json:
        print(json.dumps(list(rows), indent=1, ensure_ascii=False))
        return
    if not rows:
        print(empty)
        return
    if not sys.stdout.isatty():
        print("\t".join(header for _key, header in columns))
        for row in rows:
            print("\t".join(_cell(row[key]) for key, _header in columns))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for _key, header in columns:
        table.add_column(header, overflow="fold")  # fold, never an ellipsis: a hash stays whole
    for row in rows:
        table.add_row(*(_cell(row[key]) for key, _header in columns))
    Console().print(table)


def show_record(record: Mapping[str, Any], labels: Columns, *, as_json: bool, heading: str) -> None:
    """Print one record: its JSON object, or ``heading`` and one ``label  value`` line per field."""
    if as_json:
        print(json.dumps(dict(record), indent=1, ensure_ascii=False))
        return
    print(heading)
    width = max(len(label) for _key, label in labels)
    for key, label in labels:
        print(f"  {label:<{width}}  {_cell(record[key])}")


def say(text: str, *, err: bool = False) -> None:
    """One result line, never wrapped (ids and hashes stay whole on a pipe): on stdout, or on stderr
    when stdout carries a document (``err=True``)."""
    print(text, file=sys.stderr if err else sys.stdout)


def whose(account: str | None, mine: bool, keystore: Any, key_env: str | None) -> str:
    """The address a "my ..." list is about: ``--account``, else the account of the key given."""
    from ._common import load_signer

    if account is not None:
        if mine:
            raise typer.BadParameter("give either --mine (your key's account) or --account ADDRESS, not both")
        return address(account, "--account")
    signer = load_signer(keystore, key_env)
    if signer is None:
        raise typer.BadParameter("say whose: --mine with --keystore FILE or --key-env VAR, or --account 0x…")
    return str(signer.address)
