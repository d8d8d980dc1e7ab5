"""The standard attestation kinds and the work type bits of a distribution requirement: the one place
their numbers, names and meanings are written (the deployment defines them on chain, the SDK, CLI and API
read them here). No heavy imports: the CLI reads it at start-up."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ALL_WORK_TYPES_MASK", "STANDARD_KINDS", "AttestationKind", "work_type_bit"]


class AttestationKind(IntEnum):
    """The standard attestation kinds: the numbers reviewers attest with and regulators require, defined
    on chain (``DistributionRules.defineKind``) by every deployment (:data:`client_sdk.deploy.WIRING`).
    Regulators may define more; :data:`STANDARD_KINDS` gives each standard one its name and meaning."""

    CONTENT_REVIEW = 1
    FILING = 2
    IMPORT_APPROVAL = 3
    AGE_RATING = 4


#: kind -> (name, meaning) as the deployment defines it on chain: the one place these are written.
STANDARD_KINDS: dict[AttestationKind, tuple[str, str]] = {
    AttestationKind.CONTENT_REVIEW: (
        "content_review",
        "the work passed content review for distribution in the territory",
    ),
    AttestationKind.FILING: (
        "filing",
        "the work is filed (registered) with the territory's regulator; the reference is the filing number",
    ),
    AttestationKind.IMPORT_APPROVAL: (
        "import_approval",
        "an imported work is approved for distribution in the territory",
    ),
    AttestationKind.AGE_RATING: (
        "age_rating",
        "the work carries an age rating in the territory; the reference is the rating",
    ),
}

#: A requirement's work type mask covering every work type (``DistributionRules.ALL_WORK_TYPES``).
ALL_WORK_TYPES_MASK = 2**64 - 1


def work_type_bit(code: int) -> int:
    """The bit of on-chain work type ``code`` in a requirement's work type mask (types from 63 up share bit 63)."""
    return 1 << min(code, 63)
