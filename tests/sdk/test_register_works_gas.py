"""``Hub.register_works`` reports each work's share of the one transaction's gas (the same split register-many
journals: client_sdk._works.gas_shares by each work's own estimate), not the whole transaction's for each."""

from __future__ import annotations

from client_sdk import Hub, Split, WorkInput
from client_sdk._works import gas_shares
from client_sdk.batch import gas_shares as batch_gas_shares
from tests.factories import fake_cid, unique_digest

CO_OWNER = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"


def test_each_work_gets_its_share_of_the_batch_gas(studio_hub: Hub, studio) -> None:
    plain = [WorkInput(unique_digest(), fake_cid(), fake_cid("m"), 0) for _ in range(2)]
    splits = (Split(studio.address, 6000), Split(CO_OWNER, 4000))
    shared = WorkInput(unique_digest(), fake_cid(), fake_cid("m"), 0, splits=splits)  # more storage: more gas
    works = [plain[0], shared, plain[1]]
    estimates = [studio_hub.estimate_registration([w], studio.address) for w in works]
    regs = studio_hub.register_works(works)
    receipt = studio_hub.w3.eth.get_transaction_receipt(regs[0].tx_hash)
    assert sum(r.gas_used for r in regs) == receipt["gasUsed"]
    assert [r.gas_used for r in regs] == gas_shares(receipt["gasUsed"], estimates)
    assert regs[1].gas_used > regs[0].gas_used and regs[1].gas_used > regs[2].gas_used
    assert batch_gas_shares is gas_shares  # register-many uses the same function


def test_a_single_work_reports_the_whole_transaction(studio_hub: Hub) -> None:
    (reg,) = studio_hub.register_works([WorkInput(unique_digest(), fake_cid(), fake_cid("m"), 0)])
    assert reg.gas_used == studio_hub.w3.eth.get_transaction_receipt(reg.tx_hash)["gasUsed"]
