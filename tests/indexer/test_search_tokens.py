"""The search tokenizer (:mod:`indexer.search`): CJK bigrams, folded words, query terms and prefixes."""

from __future__ import annotations

import sqlalchemy as sa

from indexer.search import MAX_TERMS, Term, document_tokens, query_terms, token_rows, tokens
from indexer.tables.metadata import MAX_TOKEN_CHARS


def test_cjk_runs_give_bigrams_and_their_last_character() -> None:
    assert tokens("港湾河流") == ["港湾", "湾河", "河流", "流"]
    assert tokens("港") == ["港"]
    assert tokens("月光狐 and 纸灯笼") == ["月光", "光狐", "狐", "and", "纸灯", "灯笼", "笼"]


def test_words_are_nfkc_and_case_folded_without_accents() -> None:
    assert tokens("The RIVER, Café ＡＢＣ１２") == ["the", "river", "cafe", "abc12"]
    assert tokens("snake_case-words") == ["snake", "case", "words"]
    assert tokens("x" * 100) == ["x" * MAX_TOKEN_CHARS]
    assert tokens(None) == [] and tokens("!!! ...") == []


def test_a_title_token_outweighs_a_description_token() -> None:
    weights = document_tokens({"title_en": "River", "description_en": "the river flows", "description_zh": "河流"})
    assert weights == {"river": 2, "the": 1, "flows": 1, "河流": 1, "流": 1}
    rows = token_rows(7, "bafy", {"title_zh": "港湾"})
    assert {(r["token"], r["weight"], r["work_id"], r["metadata_cid"]) for r in rows} == {
        ("港湾", 2, 7, "bafy"), ("湾", 2, 7, "bafy"),
    }  # fmt: skip


def test_queries_become_exact_terms_and_prefixes() -> None:
    assert query_terms("港湾") == [Term("港湾")]
    assert query_terms("港") == [Term("港", prefix=True)]
    assert query_terms("riv") == [Term("riv", prefix=True)]
    assert query_terms("river song 河流") == [Term("river"), Term("song", prefix=True), Term("河流")]
    assert query_terms("river river") == [Term("river"), Term("river", prefix=True)]
    assert query_terms("?!") == []
    assert len(query_terms(" ".join(f"w{i}" for i in range(40)))) == MAX_TERMS


def test_a_prefix_is_a_code_point_range() -> None:
    column = sa.column("token")
    compiled = Term("riv", prefix=True).condition(column).compile(compile_kwargs={"literal_binds": True})
    assert str(compiled) == "token >= 'riv' AND token < 'riw'"
    compiled = Term("港", prefix=True).condition(column).compile(compile_kwargs={"literal_binds": True})
    assert str(compiled) == f"token >= '港' AND token < '{chr(ord('港') + 1)}'"
