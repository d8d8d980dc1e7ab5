"""``GET /works?q=`` finds works by the words of their titles and descriptions, Chinese and English,
ranked by relevance (:mod:`indexer.search`), and the list filters narrow it: language and the terms of
an open offer. SQLite and PostgreSQL (the ``story`` fixture), through the real metadata worker."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import pytest
import sqlalchemy as sa

from client_sdk import Hub
from client_sdk.chain import connect
from client_sdk.manifest import manifest_path, read_manifest
from client_sdk.metadata import WorkMetadata
from indexer import Indexer, IndexerSettings
from indexer import models as m
from indexer.db import make_engine
from indexer.tables.market import territory_keys

from .conftest import Story, _indexer_settings
from .test_metadata_api import _read_metadata

HARBOUR = WorkMetadata(
    "film",
    title_zh="维多利亚港湾",
    title_en="Victoria Harbour Nights",
    description_en="Ferries cross the harbour at dusk.",
    languages=("zh-Hant", "en"),
)
SONG = WorkMetadata("film", title_zh="河流之歌", title_en="Song of the River", languages=("zh",))
TRAIN = WorkMetadata(
    "film",
    title_en="Night Train",
    description_en="A journey along the river at night; a song plays.",
    description_zh="沿着河流的夜车",
    languages=("en",),
)
MOVED = WorkMetadata("film", title_zh="山间小路", title_en="Mountain Path")


@pytest.fixture(scope="module")
def works(story: Story) -> dict[str, int]:
    """Three works of the studio with searchable metadata, indexed and read by the metadata worker."""
    w3 = connect(story.settings.rpc_url)
    deployment = read_manifest(manifest_path(w3.eth.chain_id, story.settings.deployments_dir))
    hub = Hub(w3, deployment, story.studio, store=story.store)
    ids = {
        name: hub.register_work(hashlib.sha256(f"search-{name}".encode()).digest(), "bafycontent", doc).work_id
        for name, doc in (("harbour", HARBOUR), ("song", SONG), ("train", TRAIN))
    }
    story.reindex()
    _read_metadata(story)
    return ids


def _search(story: Story, **params: Any) -> list[int]:
    resp = story.client.get("/works", params={"limit": 100, **params})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["count"] == len(body["data"])
    return [int(w["work_id"]) for w in body["data"]]


def test_two_character_chinese_words_find_titles_and_descriptions(story: Story, works: dict[str, int]) -> None:
    assert works["harbour"] in _search(story, q="港湾")
    found = _search(story, q="河流")
    assert works["song"] in found and works["train"] in found and works["harbour"] not in found
    assert found.index(works["song"]) < found.index(works["train"])  # a title hit before a description hit
    assert works["song"] in _search(story, q="河")  # one character: every token it starts
    assert _search(story, q="港湾夜车") == _search(story, q="港湾 夜车")  # bigrams of the run, or the words


def test_an_english_prefix_finds_words(story: Story, works: dict[str, int]) -> None:
    found = _search(story, q="riv")
    assert {works["song"], works["train"], story.film_id} <= set(found)  # "The River at Dawn (restored)"
    assert works["harbour"] not in found
    assert _search(story, q="RIVER") == _search(story, q="river")  # case-folded
    past = story.client.get("/works", params={"q": "riv", "offset": 50}).json()
    assert past == {"data": [], "count": len(found)}  # a page past the matches still counts them
    assert works["harbour"] in _search(story, q="Ｈａｒｂｏｕｒ")  # NFKC-folded full-width letters


def test_ranking_puts_more_matched_terms_and_titles_first(story: Story, works: dict[str, int]) -> None:
    found = _search(story, q="river song")
    mine = [i for i in found if i in {works["song"], works["train"], story.film_id}]
    # song: river and song in its title (4); train: both in its description (2); film: river in its title (2)
    # (ties: newest first, and the train is newer than the film)
    assert mine == [works["song"], works["train"], story.film_id]


def test_description_words_are_found(story: Story, works: dict[str, int]) -> None:
    assert _search(story, q="journey") == [works["train"]]
    assert _search(story, q="ferries") == [works["harbour"]]
    assert _search(story, q="夜车") == [works["train"]]
    assert _search(story, q="zzyzx") == []
    assert _search(story, q="!!! ...") == []  # nothing to search for finds nothing


def test_filters_combine_with_the_query(story: Story, works: dict[str, int]) -> None:
    assert _search(story, q="river", language="zh") == [works["song"]]
    assert works["harbour"] in _search(story, q="harbour", language="zh")  # zh finds zh-Hant
    assert _search(story, q="river", language="en") == [works["train"]]
    # the film has an open worldwide 0.1 ETH offer with these rights; the new works have none
    assert _search(story, q="river", right="broadcasting") == [story.film_id]
    assert _search(story, q="river", right="rental") == []
    assert _search(story, q="river", price_max=10**17, currency="ETH", territory=156) == [story.film_id]
    assert _search(story, q="river", price_min=3 * 10**17) == []
    assert _search(story, q="river", exclusive=True) == []
    assert _search(story, q="river", right="broadcasting", active_at=int(time.time()) + 60 * 86_400) == [story.film_id]
    offers = story.client.get("/offers", params={"right": "screening"}).json()["data"]
    assert [int(o["offer_id"]) for o in offers] == [story.open_offer_id]


def _works_of_open_offers(story: Story, **params: Any) -> set[int]:
    """The works of the offers ``/offers`` lists as active with these filters: what ``/works`` must find."""
    offers = story.client.get("/offers", params={"active": True, "limit": 100, **params}).json()["data"]
    return {int(o["work_id"]) for o in offers}


@pytest.mark.parametrize(
    "params",
    [
        {"right": "information_network"},  # the film's two open offers: the film once
        {"right": "screening"},  # the short's open offer
        {"right": "rental"},  # only the short's cancelled offer
        {"currency": "ETH"},
        {"currency": "0x" + "11" * 20},
        {"territory": 156, "price_max": 10**17},
        {"price_min": 2 * 10**17},  # the film's later offer
        {"exclusive": False, "active_at": int(time.time()) + 60 * 86_400},
        {"active_at": int(time.time()) - 86_400},  # before every offer's start
    ],
)
def test_offer_filters_without_a_query_list_each_work_once_exactly(
    story: Story, works: dict[str, int], params: dict[str, Any]
) -> None:
    """No ``q``: the works are read from ``open_offer`` alone (grouped, counted exactly), and they are the
    works of the active offers ``/offers`` lists for the same filters, each once."""
    found = _search(story, **params)  # also: count == len(data)
    assert len(found) == len(set(found)) and found == sorted(found, reverse=True)
    assert set(found) == _works_of_open_offers(story, **params)


def test_open_offer_is_the_offers_not_cancelled_in_filter_form(story: Story, works: dict[str, int]) -> None:
    """``open_offer`` (written by the OfferCreated/PriceChanged/Cancelled declarations) holds one row per
    offer not cancelled, with the offer's terms and its territories as ``|code|``."""
    engine = make_engine(story.settings.database_url)
    with engine.connect() as conn:
        offers = {r.offer_id: r for r in conn.execute(sa.select(m.Offer.__table__))}  # type: ignore[attr-defined]
        rows = {r.offer_id: r for r in conn.execute(sa.select(m.OpenOffer.__table__))}  # type: ignore[attr-defined]
    engine.dispose()
    assert story.cancelled_offer_id in offers and story.cancelled_offer_id not in rows
    assert set(rows) == {i for i, o in offers.items() if not o.cancelled} and rows
    for offer_id, row in rows.items():
        offer = offers[offer_id]
        same = ("work_id", "rights", "start", "end", "exclusive", "price", "currency")
        assert [getattr(row, c) for c in same] == [getattr(offer, c) for c in same]
        assert row.territories == territory_keys(json.loads(offer.territories))
    assert (territory_keys([]), territory_keys([156, 826])) == ("", "|156|826|")


def test_offer_filters_page_and_combine_with_other_filters(story: Story, works: dict[str, int]) -> None:
    both = _search(story, currency="ETH")
    assert both == [story.short_id, story.film_id]  # newest first; the film's two offers count once
    first = story.client.get("/works", params={"currency": "ETH", "limit": 1}).json()
    second = story.client.get("/works", params={"currency": "ETH", "limit": 1, "offset": 1}).json()
    assert (first["count"], second["count"]) == (2, 2)
    assert [w["work_id"] for w in first["data"] + second["data"]] == [str(story.short_id), str(story.film_id)]
    past = story.client.get("/works", params={"currency": "ETH", "offset": 5}).json()
    assert (past["data"], past["count"]) == ([], 2)
    assert _search(story, currency="ETH", owner=story.stranger.address) == [story.short_id]
    assert _search(story, right="rental", owner=story.stranger.address) == []  # its rental offer is cancelled


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"right": "flying"}, "broadcasting"),
        ({"territory": 0}, "territory"),
        ({"territory": 1000}, "territory"),
        ({"currency": "dollars"}, "currency"),
        ({"language": "english!"}, "language"),
        ({"price_min": -1}, "price_min"),
        ({"active_at": 2**41}, "active_at"),
    ],
)
def test_bad_search_input_is_a_422_naming_it(
    story: Story, works: dict[str, int], params: dict[str, Any], named: str
) -> None:
    resp = story.client.get("/works", params=params)
    assert resp.status_code == 422, resp.text
    assert named in resp.text


def test_a_metadata_update_changes_what_is_found(story: Story, works: dict[str, int]) -> None:
    w3 = connect(story.settings.rpc_url)
    deployment = read_manifest(manifest_path(w3.eth.chain_id, story.settings.deployments_dir))
    Hub(w3, deployment, story.studio, store=story.store).update_metadata(works["harbour"], MOVED)
    story.reindex()
    _read_metadata(story)
    assert works["harbour"] not in _search(story, q="港湾")  # the old document's tokens no longer count
    assert _search(story, q="mountain path") == [works["harbour"]]
    assert _search(story, q="山间") == [works["harbour"]]


def test_search_works_after_a_rebuild(story: Story, works: dict[str, int]) -> None:
    Indexer(IndexerSettings(**_indexer_settings(story.settings))).run(once=True, rebuild=True)
    _read_metadata(story)
    found = _search(story, q="河流")
    assert works["song"] in found and works["train"] in found
    assert _search(story, q="journey") == [works["train"]]
