"""The catalogue API over the mirror: works, offers, licences, filters, and errors as problem+json."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.main import create_app
from api.settings import Settings
from tests.api.conftest import Story


def _problem(r, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_works_list_shows_both_works_newest_first(story: Story) -> None:
    body = story.client.get("/works").json()
    assert body["count"] == 2
    assert [w["work_id"] for w in body["data"]] == [str(story.short_id), str(story.film_id)]


def test_work_detail_has_owners_splits_history_and_offers(story: Story) -> None:
    w = story.client.get(f"/works/{story.film_id}").json()
    assert w["owner"] == story.studio.address
    assert w["owners"] == [
        {"account": story.studio.address, "bps": 7000},
        {"account": story.co_owner.address, "bps": 3000},
    ]
    assert w["content_digest"] == "0x" + hashlib.sha256(story.content).hexdigest()
    assert w["work_type"] == "film" and w["status"] == "active"
    assert w["metadata_version"] == 1 and [v["version"] for v in w["metadata_versions"]] == [0, 1]
    assert [a["reference"] for a in w["attestations"]] == ["filing-2026-001"]
    assert len(w["offers"]) == 2 and w["licence_count"] == 2
    rights = {o["price"]: sorted(o["terms"]["rights"]) for o in w["offers"]}
    assert rights == {str(10**17): ["broadcasting", "information_network"], str(2 * 10**17): ["information_network"]}


def test_transferred_work_shows_the_new_owner(story: Story) -> None:
    w = story.client.get(f"/works/{story.short_id}").json()
    assert w["owner"] == story.stranger.address
    assert w["owners"] == [{"account": story.stranger.address, "bps": 10000}]
    assert w["work_type"] == "short_video"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("owner={co_owner}", ["film"]),
        ("owner={stranger}", ["short"]),
        ("work_type=film", ["film"]),
        ("status=active", ["short", "film"]),
        ("q={digest}", ["film"]),
        ("limit=1&offset=1", ["film"]),
    ],
)
def test_works_filters(story: Story, query: str, expected: list[str]) -> None:
    ids = {"film": str(story.film_id), "short": str(story.short_id)}
    q = query.format(
        co_owner=story.co_owner.address.lower(),
        stranger=story.stranger.address,
        digest="0x" + hashlib.sha256(story.content).hexdigest(),
    )
    body = story.client.get(f"/works?{q}").json()
    assert [w["work_id"] for w in body["data"]] == [ids[e] for e in expected]


def test_bad_filters_are_refused_with_what_to_do(story: Story) -> None:
    assert "work_type must be one of" in _problem(story.client.get("/works?work_type=opera"), 422)["detail"]
    assert "at most" in _problem(story.client.get("/works?limit=100000"), 422)["detail"]
    _problem(story.client.get("/works?offset=-1"), 422)
    _problem(story.client.get("/works/not-a-number"), 422)


def test_unknown_ids_are_404_problems(story: Story) -> None:
    _problem(story.client.get("/works/999"), 404)
    _problem(story.client.get("/offers/999"), 404)
    _problem(story.client.get("/licences/999"), 404)


def test_offers_and_licences_carry_terms_prices_and_status(story: Story) -> None:
    offers = story.client.get(f"/offers?work_id={story.film_id}").json()
    assert offers["count"] == 2
    assert {o["price"] for o in offers["data"]} == {str(10**17), str(2 * 10**17)}
    licences = story.client.get(f"/licences?holder={story.buyer.address.lower()}").json()
    status = {lic["licence_id"]: lic["status"] for lic in licences["data"]}
    assert status == {str(story.licence_id): "valid", str(story.future_licence_id): "not_yet_valid"}
    one = story.client.get(f"/licences/{story.licence_id}").json()
    assert one["holder"] == story.buyer.address and one["price"] == str(10**17)
    assert set(one["rights"]) == {"information_network", "broadcasting"}


def test_licence_verify_asks_the_chain(story: Story) -> None:
    body = story.client.get(f"/licences/{story.licence_id}/verify").json()
    assert body == body | {"holder": story.buyer.address, "status": "valid", "valid": True}
    future = story.client.get(f"/licences/{story.future_licence_id}/verify").json()
    assert future["status"] == "not_yet_valid" and future["valid"] is False
    _problem(story.client.get("/licences/999/verify"), 404)


def test_licence_verify_answers_for_a_given_time(story: Story) -> None:
    start = story.client.get(f"/licences/{story.future_licence_id}").json()["start"]
    before = story.client.get(f"/licences/{story.future_licence_id}/verify?at={start - 1}").json()
    assert (before["at"], before["status"], before["valid"]) == (start - 1, "not_yet_valid", False)
    during = story.client.get(f"/licences/{story.future_licence_id}/verify?at={start}").json()
    assert (during["status"], during["valid"], during["revoked_at"]) == ("valid", True, None)
    for bad in ("-1", str(2**40), "soon"):
        _problem(story.client.get(f"/licences/{story.licence_id}/verify?at={bad}"), 422)


def test_gateway_serves_the_registered_content(story: Story) -> None:
    cid = story.client.get(f"/works/{story.film_id}").json()["content_cid"]
    r = story.client.get(f"/ipfs/{cid}")
    assert r.status_code == 200 and r.content == story.content


def test_catalogue_page_links_every_work_to_its_provenance(story: Story) -> None:
    r = story.client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for work_id in (story.film_id, story.short_id):
        assert f'href="/provenance/{work_id}"' in r.text
    assert "70%" in r.text and "30%" in r.text


def test_health_answers_ok(story: Story) -> None:
    r = story.client.get("/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_active_offers_leave_out_cancelled_and_ended_ones(story: Story) -> None:
    every = story.client.get(f"/offers?work_id={story.short_id}").json()
    ended, cancelled_id, open_id = str(story.ended_offer_id), str(story.cancelled_offer_id), str(story.open_offer_id)
    assert [o["offer_id"] for o in every["data"]] == [ended, cancelled_id, open_id]
    cancelled = {o["offer_id"]: o["cancelled"] for o in every["data"]}
    assert cancelled == {ended: False, cancelled_id: True, open_id: False}
    active = story.client.get(f"/offers?work_id={story.short_id}&active=true").json()
    assert active["count"] == 1 and [o["offer_id"] for o in active["data"]] == [open_id]
    assert story.client.get(f"/offers?work_id={story.short_id}&active=false").json()["count"] == 3
    everywhere = story.client.get("/offers?active=true").json()
    assert {o["offer_id"] for o in everywhere["data"]} == {open_id, *_film_offer_ids(story)}


def _film_offer_ids(story: Story) -> set[str]:
    return {o["offer_id"] for o in story.client.get(f"/offers?work_id={story.film_id}").json()["data"]}


def test_licences_by_work(story: Story) -> None:
    film = story.client.get(f"/licences?work_id={story.film_id}").json()
    assert film["count"] == 2
    assert [lic["licence_id"] for lic in film["data"]] == [str(story.future_licence_id), str(story.licence_id)]
    assert {lic["work_id"] for lic in film["data"]} == {str(story.film_id)}
    assert story.client.get(f"/licences?work_id={story.short_id}").json() == {"data": [], "count": 0}
    both = story.client.get(f"/licences?work_id={story.film_id}&holder={story.stranger.address}").json()
    assert both == {"data": [], "count": 0}


def test_production_refuses_sqlite_and_serves_from_postgresql(story: Story) -> None:
    production = {
        "environment": "production",
        "rpc_url": story.settings.rpc_url,
        "deployments_dir": story.settings.deployments_dir,
        "content_dir": story.settings.content_dir,
        "siwe_domain": "hub.example.org",
    }
    if story.settings.database_url.startswith("sqlite"):
        with pytest.raises(ValidationError, match="production needs COPYRIGHT_HUB_DATABASE_URL pointing at PostgreSQL"):
            Settings(database_url=story.settings.database_url, **production)
        return
    with TestClient(create_app(Settings(database_url=story.settings.database_url, **production))) as client:
        assert client.get("/works").json() == story.client.get("/works").json()


def test_production_refuses_sqlite_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPYRIGHT_HUB_ENVIRONMENT", "production")
    monkeypatch.setenv("COPYRIGHT_HUB_SIWE_DOMAIN", "hub.example.org")
    monkeypatch.delenv("COPYRIGHT_HUB_DATABASE_URL", raising=False)
    with pytest.raises(ValidationError, match="not SQLite"):
        Settings()  # the embedded default is a SQLite file
    monkeypatch.setenv("COPYRIGHT_HUB_DATABASE_URL", "postgresql://hub@db.internal/hub")
    assert Settings().database_url.startswith("postgresql")
    monkeypatch.setenv("COPYRIGHT_HUB_SIWE_DOMAIN", "127.0.0.1:8000")
    with pytest.raises(ValidationError, match="COPYRIGHT_HUB_SIWE_DOMAIN"):
        Settings()


def test_offers_read_as_a_buyer_would_act_on_them(story: Story) -> None:
    """Title, price in ether with its symbol, rights by name, worldwide, the window in ISO 8601."""
    work = story.client.get(f"/works/{story.film_id}").json()
    offers = story.client.get(f"/offers?work_id={story.film_id}").json()["data"]
    by_price = {o["price_decimal"]: o for o in offers}
    assert set(by_price) == {"0.1", "0.2"}
    now_offer = by_price["0.1"]
    assert (now_offer["title_en"], now_offer["title_zh"]) == (work["title_en"], work["title_zh"])
    assert (now_offer["currency_symbol"], now_offer["currency_decimals"]) == ("ETH", 18)
    assert sorted(now_offer["terms"]["rights"]) == ["broadcasting", "information_network"]
    terms = now_offer["terms"]
    assert terms["worldwide"] is True and terms["territory_names"] == [] and terms["exclusive"] is False
    assert terms["start_iso"].endswith("Z") and terms["start_iso"] < terms["end_iso"]
    assert now_offer["sold"] == 1 and now_offer["supply_left"] is None  # no cap


def test_an_account_shows_its_licences_works_and_earnings(story: Story) -> None:
    buyer = story.client.get(f"/accounts/{story.buyer.address.lower()}")
    assert buyer.status_code == 200, buyer.text
    body = buyer.json()
    assert body["address"] == story.buyer.address and body["works"] == {"data": [], "count": 0}
    held = {lic["licence_id"]: lic["status"] for lic in body["licences"]["data"]}
    assert held == {str(story.licence_id): "valid", str(story.future_licence_id): "not_yet_valid"}
    assert story.licence_id > 2**53 and f'"licence_id":"{story.licence_id}"' in buyer.text  # exact, not a float
    assert body["earnings"] == []

    studio = story.client.get(f"/accounts/{story.studio.address}").json()
    assert [w["work_id"] for w in studio["works"]["data"]] == [str(story.film_id)]
    (earning,) = studio["earnings"]
    # two sales (0.1 and 0.2 ETH), the studio's 70% of what is left after the market's fee
    assert earning["currency_symbol"] == "ETH" and earning["withdrawn"] == "0"
    assert earning["waiting"] == earning["credited"] and 0 < int(earning["credited"]) <= 7 * 3 * 10**16
    assert earning["waiting_decimal"] == format(int(earning["waiting"]) / 10**18, "g")


@pytest.mark.parametrize(
    ("address", "says"),
    [("0x1234", "is not an address"), ("0x" + "zz" * 20, "is not an address"), ("alice", "is not an address")],
)
def test_a_bad_account_address_is_a_422_saying_so(story: Story, address: str, says: str) -> None:
    assert says in _problem(story.client.get(f"/accounts/{address}"), 422)["detail"]


def test_an_account_address_with_a_wrong_checksum_is_refused(story: Story) -> None:
    good = story.studio.address
    flipped = good[:2] + "".join(c.swapcase() if c.isalpha() else c for c in good[2:])
    assert "checksum" in _problem(story.client.get(f"/accounts/{flipped}"), 422)["detail"]
    assert story.client.get(f"/accounts/{good.upper().replace('0X', '0x')}").json()["address"] == good
