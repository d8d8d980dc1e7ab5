"""The read layer loads related rows in bulk: a page of works costs the same few SQL statements
whether it shows 20 works or 200 (it was about 600 for 200 when each work fetched its owners,
parents and royalty itself). Counted with SQLAlchemy's ``before_cursor_execute`` event on the app's
own engine, on SQLite and PostgreSQL; the rows are written straight into the mirror's tables, since
the read layer, not the indexer, is under test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session
from web3 import Web3

from api.main import create_app
from api.resources import OFFERS, RESOURCES, WORKS
from api.settings import Settings
from indexer import models as m
from indexer.db import make_engine, migrate
from tests.api.conftest import _database

#: statements one page of works may cost: count, page, one per relation (owners, parents, royalty...),
#: and SQLite's explicit BEGIN
MAX_STATEMENTS = 3 + len(WORKS.related)
LEAD, CO_OWNER = "0x" + "1a" * 20, "0x" + "2b" * 20
TX = "0x" + "ab" * 32


def _seed(url: str, works: int) -> None:
    """``works`` works, each with two owners, a parent and a royalty, and an offer on each."""
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as s:
        for i in range(1, works + 1):
            s.add(
                m.Work(
                    work_id=i, registry_address=LEAD, owner=LEAD, content_digest=f"0x{i:064x}", content_cid=f"bafy{i}",
                    metadata_cid=f"bafym{i}", work_type=i % 6, registered_block=i, registered_at=i, registered_tx=TX,
                    updated_block=i,
                )
            )  # fmt: skip
            s.add(m.WorkOwner(work_id=i, position=0, account=LEAD, bps=7_000))
            s.add(m.WorkOwner(work_id=i, position=1, account=CO_OWNER, bps=3_000))
            s.add(m.WorkRoyalty(work_id=i, receiver=LEAD, bps=500, updated_block=i))
            if i > 1:
                s.add(m.WorkParent(work_id=i, parent_id=i - 1, parent_licence_id=0))
            s.add(
                m.Offer(
                    offer_id=i, work_id=i, creator=LEAD, rights=1, territories="[156]", start=0, end=2**40,
                    exclusive=False, sublicensable=False, transferable=True, price=10**30 + i, currency=LEAD,
                    supply_cap=0, created_block=i, created_at=i, created_tx=TX, updated_block=i,
                )
            )  # fmt: skip
        s.commit()
    engine.dispose()


@contextmanager
def _counting(client: TestClient) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = client.app.state.services.engine  # type: ignore[attr-defined]

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalogue(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("read-layer")
    with _database(request.param, tmp) as url:
        _seed(url, 200)
        # the response cache off: these tests count the read layer's own statements
        settings = Settings(database_url=url, content_dir=Path(tmp) / "content", response_cache_bytes=0)
        with TestClient(create_app(settings)) as client:
            yield client


@pytest.mark.parametrize("limit", [20, 200])
def test_a_page_of_works_costs_a_constant_number_of_statements(catalogue: TestClient, limit: int) -> None:
    with _counting(catalogue) as statements:
        r = catalogue.get(f"/works?limit={limit}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 200 and len(body["data"]) == limit
    owners = [{"account": Web3.to_checksum_address(LEAD), "bps": 7000}, {"account": Web3.to_checksum_address(CO_OWNER), "bps": 3000}]  # fmt: skip
    assert body["data"][0]["owners"] == owners
    assert body["data"][0]["parents"] == ["199"] and body["data"][0]["royalty_bps"] == 500
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)


@pytest.mark.parametrize("limit", [20, 200])
def test_a_page_of_offers_with_titles_and_sales_costs_a_constant_number_of_statements(
    catalogue: TestClient, limit: int
) -> None:
    """The work's titles and each offer's sales come in one query per relation for the whole page."""
    with _counting(catalogue) as statements:
        r = catalogue.get(f"/offers?limit={limit}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 200 and len(body["data"]) == limit and body["data"][0]["sold"] == 0
    assert body["data"][0]["terms"]["territory_names"] == [{"code": 156, "name": "China"}]
    assert len(statements) <= 3 + len(OFFERS.related), "\n".join(statements)


def test_the_catalogue_page_of_200_works_costs_a_constant_number_of_statements(catalogue: TestClient) -> None:
    with _counting(catalogue) as statements:
        r = catalogue.get("/")
    assert r.status_code == 200
    assert r.text.count('href="/provenance/') == 200 and "70%, " in r.text
    # the works' page, then their open offers, the offers' sales and the works' posters (one SELECT each)
    assert len(statements) <= MAX_STATEMENTS + 3, "\n".join(statements)


def test_a_work_with_its_detail_costs_one_statement_per_relation(catalogue: TestClient) -> None:
    with _counting(catalogue) as statements:
        w = catalogue.get("/works/7").json()
    assert [o["offer_id"] for o in w["offers"]] == ["7"] and w["licence_count"] == 0
    assert w["offers"][0]["price"] == str(10**30 + 7)  # a uint256 amount is a string in JSON
    assert w["offers"][0]["terms"]["territories"] == [156]
    # BEGIN, the row, the list relations, the detail relations, and the offers' own relations (its
    # offers are /offers' items: titles, sales, token), one statement each for all of its offers
    assert len(statements) <= 2 + len(WORKS.related) + len(WORKS.detail_related) + len(OFFERS.related)


def test_every_resource_is_served_with_stable_operation_ids(catalogue: TestClient) -> None:
    paths = catalogue.get("/openapi.json").json()["paths"]
    for resource in RESOURCES:
        assert paths[resource.path]["get"]["operationId"] == f"{resource.name}-list"
        assert paths[f"{resource.path}/{{{resource.key}}}"]["get"]["operationId"] == f"{resource.name}-get"
        assert catalogue.get(f"{resource.path}?limit=1").json()["count"] >= 0


def test_a_new_resource_is_one_declaration(tmp_path: Path) -> None:
    """Serving another table takes one ``Resource``: its model comes from the table's columns, with
    uint256 amounts as strings and addresses checksummed."""
    from api import read
    from api.resources import Resource

    disputes = Resource(name="disputes", noun="dispute", table=m.Dispute, key="dispute_id", summary="Disputes.")
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as s:
        s.add(m.Dispute(dispute_id=3, work_id=1, claimant=LEAD, bond=10**30, evidence_cid="bafye", opened_block=1, opened_at=1, opened_tx=TX))  # fmt: skip
        s.commit()
    app = create_app(Settings(database_url=url, content_dir=tmp_path / "c"))
    app.include_router(read.router(disputes))
    with TestClient(app) as client:
        page = client.get("/disputes").json()
        assert page["count"] == 1 and page["data"][0]["bond"] == str(10**30)
        assert page["data"][0]["claimant"] == Web3.to_checksum_address(LEAD)
        assert client.get("/disputes/3").json()["ruling_cid"] is None
        assert client.get("/disputes/4").status_code == 404
        assert client.get("/openapi.json").json()["paths"]["/disputes"]["get"]["operationId"] == "disputes-list"


def test_answers_are_the_json_their_declared_models_give(catalogue: TestClient) -> None:
    """The read layer writes each answer itself (no second validation by FastAPI on the way out): the
    bytes are exactly what the route's declared response model makes of them, and OpenAPI still
    names that model."""
    paths = catalogue.get("/openapi.json").json()["paths"]
    for resource in RESOURCES:
        item = resource.detail or resource.public
        for url, model, path in (
            (f"{resource.path}?limit=20", resource.page, resource.path),
            (f"{resource.path}/7", item, f"{resource.path}/{{{resource.key}}}"),
        ):
            r = catalogue.get(url)
            if r.status_code == 404:  # no licence 7 in this mirror
                continue
            assert r.status_code == 200 and r.headers["content-type"] == "application/json", url
            assert r.content == model.model_validate_json(r.content).model_dump_json().encode(), url
            schema = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            assert schema["$ref"].endswith("/" + model.__name__), url
