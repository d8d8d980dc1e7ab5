"""``GET /accounts/{address}``: what one address holds, from the mirror.

Not a plain resource (no table has one row per account): the answer is a page of the ``works`` resource
filtered by ``owner`` (lead owner or co-owner), a page of ``licences`` filtered by ``holder`` (each with its
status now), both through their declarations in :mod:`api.resources`, and the account's pull-payment
balances: what the market (licence sale shares) and the dispute resolver (bonds) credited it, minus what
it withdrew, per contract and currency (:func:`api.read.earnings`, which the explorer's
address page shows too; ``payment`` and ``withdrawal`` rows).

The address is accepted in lower case, upper case or EIP-55 mixed case; mixed case with a wrong
checksum is a 422 (it is most likely a typo), and every address in the answer is EIP-55.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import Field, create_model
from sqlmodel import Session
from web3 import Web3

from ..deps import PageDep
from ..models import Address, EarningPublic
from ..problems import Problem
from ..read import CachedRoute, conditions, earnings, in_session, json_response, list_rows, present
from ..resources import LICENCES, WORKS

#: an address's shape (its EIP-55 checksum, when mixed case, is checked by :func:`account_address`)
ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"
_ADDRESS = re.compile(ADDRESS_PATTERN)


class AccountRoute(CachedRoute):
    """Served through the response cache; licence statuses read the clock."""

    def reads_clock(self, request: Request) -> bool:
        return True


router = APIRouter(prefix="/accounts", tags=["accounts"], route_class=AccountRoute)

AccountPublic = create_model(
    "AccountPublic",
    __doc__="What an address holds: works, licences (status now) and earnings waiting to be withdrawn.",
    address=(Address, Field(description="the account, EIP-55")),
    works=(WORKS.page, Field(description="works it owns or co-owns, newest first (limit/offset page them)")),
    licences=(LICENCES.page, Field(description="licences it holds, newest first (limit/offset page them)")),
    earnings=(list[EarningPublic], Field(description="balances waiting per contract and currency, all of them")),
)


def account_address(text: str) -> str:
    """``text`` as a lower-case address, or a 422 problem saying what is wrong with it."""
    if not _ADDRESS.fullmatch(text):
        raise Problem(422, "Invalid address", f"{text[:60]!r} is not an address: give 0x and 40 hex digits")
    body = text[2:]
    if body != body.lower() and body != body.upper() and not Web3.is_checksum_address(text):
        raise Problem(
            422,
            "Invalid address",
            f"{text} has mixed case but its EIP-55 checksum is wrong (a typo?); check it, or send it in lower case",
        )
    return text.lower()


@router.get(
    "/{address}",
    operation_id="accounts-get",
    summary="Works, licences and earnings of an address",
    response_model=AccountPublic,
    responses={422: {"description": "not an address, or a mixed-case address with a wrong EIP-55 checksum"}},
)
async def get_account(
    request: Request,
    address: Annotated[
        str,
        # the pattern is declared, not enforced by FastAPI: account_address says what is wrong in words
        Path(
            max_length=100,
            description="0x and 40 hex digits, EIP-55 checksummed or all one case",
            json_schema_extra={"pattern": ADDRESS_PATTERN},
        ),
    ],
    page: PageDep,
) -> Response:
    account = account_address(address)

    def answer(session: Session) -> Response:
        work_rows, work_count = list_rows(session, WORKS, conditions(WORKS, {"owner": account}), page)
        licence_rows, licence_count = list_rows(session, LICENCES, conditions(LICENCES, {"holder": account}), page)
        body = AccountPublic(
            address=account,
            works=WORKS.page(data=present(session, WORKS, work_rows), count=work_count),
            licences=LICENCES.page(data=present(session, LICENCES, licence_rows), count=licence_count),
            earnings=[EarningPublic.model_validate(e) for e in earnings(session, account)],
        )
        return json_response(body)

    return await in_session(request, answer)


__all__ = ["AccountPublic", "account_address", "router"]
