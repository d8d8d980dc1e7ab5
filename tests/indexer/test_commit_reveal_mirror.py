"""Issue 14 in the mirror: commitments, each work's priority, and a reclaim, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from client_sdk import Hub
from client_sdk.commit_reveal import CommitJournal
from tests.factories.protocol import work_input

from .conftest import Chain, MirrorFactory, dump, index_once


def _rows(url: str, table: str) -> list[dict[str, object]]:
    from indexer.db import make_engine
    from indexer.store import table as t

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(t(table))).mappings()]
    engine.dispose()
    return rows


def test_commitments_priorities_and_reclaims_are_mirrored(chain: Chain, new_mirror: MirrorFactory, tmp_path) -> None:
    studio_key, rival_key = chain.accounts[1], chain.accounts[2]
    studio, rival = Hub(chain.w3, chain.deployment, studio_key), Hub(chain.w3, chain.deployment, rival_key)
    for hub, name in ((studio, "studio"), (rival, "rival")):
        hub.commit_reveal = "on"
        hub.commit_journal = CommitJournal(tmp_path / name)
    contested, plain = work_input(), work_input()
    early = studio.commit_registration([contested.content_digest, plain.content_digest])
    # the rival registers the contested file in one step after the studio's commit, as a derivative of a
    # work of its own, and holds it until the studio reveals (without parents: the reclaim drops them)
    rival.commit_reveal = "off"
    rival_parent = rival.register_works([work_input()])[0].work_id
    taken = rival.register_works(
        [replace(contested, metadata_cid="bafyrivalmeta", parents=[rival_parent], parent_licences=[0])]
    )[0].work_id
    regs = studio.reveal_registration(early, [contested, plain])
    assert regs[0].work_id == taken

    mirror = new_mirror()
    index_once(mirror, chain, finality_depth=2)
    commitments = {(r["registrant"], r["commitment"]): r for r in _rows(mirror.url, "registration_commitment")}
    row = commitments[(studio_key.address.lower(), early.commitment)]
    assert (row["block_number"], row["committed_at"]) == (early.commit_block, early.committed_at)

    works = {w["work_id"]: w for w in _rows(mirror.url, "work")}
    for reg in regs:
        work = works[reg.work_id]
        assert (work["priority_block"], work["priority_at"]) == (early.commit_block, early.committed_at)
        assert work["commitment"] == early.commitment and work["owner"] == studio_key.address.lower()
        assert work["priority_at"] <= work["registered_at"]
    assert works[taken]["metadata_cid"] == contested.metadata_cid and works[taken]["metadata_version"] == 1
    # the chain is the module's: the test's run on the other database left its own reclaim there
    (reclaim,) = [r for r in _rows(mirror.url, "work_reclaim") if r["work_id"] == taken]
    assert (reclaim["work_id"], reclaim["from_address"], reclaim["to_address"]) == (
        taken,
        rival_key.address.lower(),
        studio_key.address.lower(),
    )
    assert [p for p in _rows(mirror.url, "work_parent") if p["work_id"] == taken] == []
    one_step = [w for w in works.values() if w["commitment"] is None]
    assert all(w["priority_block"] == w["registered_block"] for w in one_step)

    rebuilt = new_mirror()
    index_once(rebuilt, chain, finality_depth=0)
    assert dump(rebuilt.url) == dump(mirror.url)
