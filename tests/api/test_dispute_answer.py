"""The work detail's disputes show the owner's answer (``DisputeAnswered`` mirrored on the dispute row)."""

from __future__ import annotations

from web3 import Web3

from api.models import DisputePublic, WorkDetail
from indexer import models as m

OWNER, CLAIMANT = "0x" + "1a" * 20, "0x" + "3c" * 20
TX = "0x" + "ab" * 32


def _dispute(**answer: object) -> dict[str, object]:
    row = m.Dispute(dispute_id=3, work_id=1, claimant=CLAIMANT, bond=10**30, evidence_cid="bafyclaim",
                    opened_block=1, opened_at=1, opened_tx=TX, **answer)  # fmt: skip
    return DisputePublic.model_validate(row).model_dump(mode="json")


def test_a_dispute_shows_the_owners_answer_and_who_gave_it() -> None:
    shown = _dispute(answer_cid="bafyanswer", answered_by=OWNER, answered_block=9, answered_at=5)
    assert (shown["answer_cid"], shown["answered_by"], shown["answered_block"]) == (
        "bafyanswer", Web3.to_checksum_address(OWNER), 9
    )  # fmt: skip
    assert "answered_at" not in shown  # times of a dispute's steps are not served (as opened_at)
    assert WorkDetail.model_fields["disputes"].annotation == list[DisputePublic]


def test_an_unanswered_dispute_says_so() -> None:
    shown = _dispute()
    assert (shown["answer_cid"], shown["answered_by"], shown["answered_block"]) == (None, None, None)
