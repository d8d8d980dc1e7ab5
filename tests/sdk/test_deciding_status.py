"""``deciding_status``: which recorded attestation decides a kind in a territory, worked out as
``WorkRegistry._deciding`` does (the mirror's and the audit report's rule), and how it stands."""

from __future__ import annotations

from types import SimpleNamespace

from client_sdk._distribution import deciding_status
from client_sdk.terms import Decision


def _a(attestation_id: int, territory: int, decision: Decision = Decision.APPROVED, **more: object) -> SimpleNamespace:
    fields = {"kind": 2, "valid_from": 0, "valid_until": 0, "revoked": False, **more}
    return SimpleNamespace(attestation_id=attestation_id, territory=territory, decision=int(decision), **fields)


def test_the_latest_for_the_territory_decides_and_territory_zero_stands_in_for_none() -> None:
    rows = [_a(1, 0), _a(2, 156, Decision.REJECTED), _a(3, 0, kind=1)]
    assert deciding_status(rows, 2, 156, now=100).state(100) == "rejected"  # its own, though 0's is approved
    assert deciding_status(rows, 2, 344, now=100).attestation_id == 1  # none of its own: everywhere's
    assert deciding_status([*rows, _a(4, 156)], 2, 156, now=100).live is True  # a later one replaces it
    assert deciding_status(rows, 4, 156, now=100).state(100) == "missing"


def test_a_revoked_or_windowed_attestation_is_not_live() -> None:
    assert deciding_status([_a(1, 156, revoked=True)], 2, 156, now=100).state(100) == "revoked"
    windowed = [_a(1, 156, valid_from=50, valid_until=150)]
    assert [deciding_status(windowed, 2, 156, now=t).state(t) for t in (49, 50, 149, 150)] == [
        "not_yet_valid", "met", "met", "expired",
    ]  # fmt: skip
