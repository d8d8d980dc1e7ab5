"""Pull-payment balances: what the market and the dispute resolver credit, and what payees withdraw."""

from __future__ import annotations

from sqlmodel import Field

from ._base import U256, HistoryTable, u256
from ._declare import ADDRESS, ZERO_ADDRESS, appends, const

__all__ = ["Payment", "Withdrawal"]


class Payment(HistoryTable, table=True):
    """A credit to a pull-payment balance: a share of a licence sale, or a dispute bond."""

    __tablename__ = "payment"
    __events__ = (
        appends(
            "LicenceMarket.PaymentCredited",
            contract=ADDRESS,
            payee="payee",
            currency="currency",
            amount="amount",
            licence_id="licenceId",
            dispute_id=None,
        ),
        appends(
            "DisputeResolver.BondCredited",
            contract=ADDRESS,
            payee="account",
            currency=const(ZERO_ADDRESS),
            amount="amount",
            licence_id=None,
            dispute_id="disputeId",
        ),
    )

    contract: str = Field(max_length=42)
    payee: str = Field(max_length=42, index=True)
    currency: str = Field(max_length=42)
    amount: int = u256()
    licence_id: int | None = Field(default=None, sa_type=U256, index=True)
    dispute_id: int | None = Field(default=None, sa_type=U256)


class Withdrawal(HistoryTable, table=True):
    """A payee withdrawing its balance from the market or the dispute resolver."""

    __tablename__ = "withdrawal"
    __events__ = (appends("Withdrawn", contract=ADDRESS, payee="payee", currency="currency", amount="amount"),)

    contract: str = Field(max_length=42)
    payee: str = Field(max_length=42, index=True)
    currency: str = Field(max_length=42)
    amount: int = u256()
