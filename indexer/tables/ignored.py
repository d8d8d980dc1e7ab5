"""The hub events the mirror deliberately leaves out of its tables, each with the reason. They are still
kept whole in ``raw_event``. ``tests/indexer/test_tables.py`` fails when an ABI event is neither
projected by a table nor listed here."""

from __future__ import annotations

__all__ = ["IGNORED_EVENTS"]

_ROLES = (
    "role membership is access control, not registry state: who acted is recorded on each row it wrote "
    "(attester, arbiter, revoked_by...), and hasRole on chain answers who may act now"
)

#: event (``"Event"`` from any hub contract, or ``"Contract.Event"``) -> why it is not mirrored
IGNORED_EVENTS: dict[str, str] = {
    "Approval": "an ERC-721 operator approval moves nothing; the transfer it allows is mirrored when it happens",
    "ApprovalForAll": "an ERC-721 operator approval moves nothing; the transfer it allows is mirrored when it happens",
    "RoleGranted": _ROLES,
    "RoleRevoked": _ROLES,
    "RoleAdminChanged": _ROLES,
    "DefaultAdminTransferScheduled": _ROLES,
    "DefaultAdminTransferCanceled": _ROLES,
    "DefaultAdminDelayChangeScheduled": _ROLES,
    "DefaultAdminDelayChangeCanceled": _ROLES,
    "EvidenceLog.EvidenceLogCreated": (
        "emitted once, by the constructor, so auditors find the log from the registry; the manifest names it"
    ),
    "LicenceMarket.EIP712DomainChanged": (
        "the EIP-712 domain is fixed at deployment (name, version, chain, address); clients read it with eip712Domain()"
    ),
}
