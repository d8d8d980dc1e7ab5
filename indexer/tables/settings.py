"""What the hub's administrators set: whether a contract is paused, the market's fee and treasury and
its ERC-20 allow-list, the resolver's minimum bond, the registry's market and resolver. A buyer reads here what a
purchase will cost and in which currencies before preparing a transaction."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field

from ._base import U256, StateTable
from ._declare import ADDRESS, BLOCK, CONTRACT, creates, sets

__all__ = ["ContractState", "MarketCurrency"]

_WHERE = {"address": ADDRESS, "contract": CONTRACT, "updated_block": BLOCK}


class ContractState(StateTable, table=True):
    """One row per hub contract with the settings its events last announced; a column a contract has
    no setting for stays NULL (``fee_bps`` is the market's, ``min_bond`` the resolver's...)."""

    __tablename__ = "contract_state"
    __events__ = (
        sets("Paused", **_WHERE, paused=True),
        sets("Unpaused", **_WHERE, paused=False),
        sets("LicenceMarket.FeeChanged", **_WHERE, fee_bps="feeBps", treasury="treasury"),
        sets("DisputeResolver.MinBondChanged", **_WHERE, min_bond="minBond"),
        sets("WorkRegistry.LicenceMarketSet", **_WHERE, licence_market="market"),
        sets("WorkRegistry.DisputeResolverSet", **_WHERE, dispute_resolver="resolver"),
    )

    address: str = Field(primary_key=True, max_length=42)
    contract: str | None = Field(default=None, max_length=64, description="its name in the deployment manifest")
    paused: bool = False
    fee_bps: int | None = Field(default=None, description="protocol fee in basis points of each price")
    treasury: str | None = Field(default=None, max_length=42, description="payee of the fee")
    min_bond: int | None = Field(default=None, sa_type=U256, description="smallest bond that opens a dispute (wei)")
    licence_market: str | None = Field(default=None, max_length=42, description="the market the registry trusts")
    dispute_resolver: str | None = Field(
        default=None, max_length=42, description="the resolver holding the registry's sealed STATUS_ROLE"
    )
    updated_block: int = Field(sa_type=sa.BigInteger)


class MarketCurrency(StateTable, table=True):
    """An ERC-20 the market's allow-list names (``CurrencyAllowed``); ``allowed`` false: removed again.
    Ether (the zero address) is always accepted and has no row."""

    __tablename__ = "market_currency"
    __events__ = (
        creates(
            "LicenceMarket.CurrencyAllowed", market=ADDRESS, currency="currency", allowed="allowed", updated_block=BLOCK
        ),
    )

    market: str = Field(primary_key=True, max_length=42)
    currency: str = Field(primary_key=True, max_length=42)
    allowed: bool
    updated_block: int = Field(sa_type=sa.BigInteger)
