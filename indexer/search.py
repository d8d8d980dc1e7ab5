"""Full-text search over work metadata, the same on SQLite and PostgreSQL: the one module that turns
text into search tokens, writes a document's tokens, and turns a query into a ranked SQL selection.

Neither SQLite FTS5's default tokenizer nor PostgreSQL's ``to_tsvector`` segments Chinese, and
trigram indexes cannot serve a two-character word, so the hub keeps its own token table,
``work_search_token`` (:class:`indexer.tables.metadata.SearchToken`), which the metadata worker
(:mod:`indexer.metadata`) writes in the same transaction as each document's row:

- text is NFKC-folded and case-folded; runs of CJK characters (Han, kana, Hangul) give every character
  bigram plus the run's last character alone, so every character of the run starts some token;
- other runs of letters and digits are words, with accents stripped (``Café`` -> ``cafe``), cut at
  :data:`~indexer.tables.metadata.MAX_TOKEN_CHARS`;
- a token found in a title weighs 2, one found only in a description 1.

A query becomes *terms* the same way: a CJK run of two or more characters gives its bigrams (each an
exact token), a single CJK character is a prefix (every bigram it starts, or itself at a run's end),
every word is exact except the last, which is a prefix (``riv`` finds ``river``). A prefix is an index
range on the primary key (``token >= 'riv' AND token < 'riw'``; the column compares by code point on
both databases).

Ranking (:func:`scores`): a work matches when its *current* document (``work.metadata_cid``) holds at
least one term; its score adds, for each term it holds, 2 when the term is in a title and 1 when only
in a description. Works are listed by score, then newest (highest id) first. So title hits rank over
description hits, and more matched terms over fewer.

Bounded cost: each term contributes at most :data:`MAX_CANDIDATES` postings, its best (title hits,
then newest; for a prefix, the shortest completions first, in code point order: ``riv`` reads
``river`` before ``riverside``), read in order from the index ``(token, weight DESC, work_id DESC, ...)``
and cut there, so a word found in 60,000 documents costs what one found in 1,000 does. The price: for such a word, the matches
(and the ``count`` a search reports) are its best 1,000 documents per term, not every one, as web
search engines cap their result sets; narrow the query (more words, filters) to reach the others.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from . import models as m
from .tables.metadata import MAX_TOKEN_CHARS

__all__ = [
    "MAX_CANDIDATES",
    "MAX_TERMS",
    "Term",
    "document_tokens",
    "query_terms",
    "scores",
    "token_rows",
    "tokens",
    "write_tokens",
]

#: query terms used at most (the rest of a long query is ignored): bounds a search's cost
MAX_TERMS = 12
#: postings read per term at most, best first (title hits, then newest): bounds a search's cost
#: whatever the word; a term in more documents than this contributes its best ones only
MAX_CANDIDATES = 1_000
#: distinct tokens kept per document at most (titles' first): bounds the rows one document writes
MAX_DOCUMENT_TOKENS = 2_000
TITLE, DESCRIPTION = 2, 1

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002fa1f"
_RUN = re.compile(r"[^\W_]+")
_SPLIT = re.compile(f"([{_CJK}]+)|([^{_CJK}]+)")

_token = m.SearchToken.__table__  # type: ignore[attr-defined]
_work = m.Work.__table__  # type: ignore[attr-defined]


def _fold_word(word: str) -> str:
    stripped = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)[:MAX_TOKEN_CHARS]


def _runs(text: str) -> Iterable[tuple[bool, str]]:
    """``(is_cjk, run)`` for each run of letters/digits in ``text``, folded."""
    for run in _RUN.findall(unicodedata.normalize("NFKC", text).casefold()):
        for cjk, other in _SPLIT.findall(run):
            yield (True, cjk) if cjk else (False, _fold_word(other))


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokens(text: str | None) -> list[str]:
    """The tokens of ``text`` in order of appearance (repeats kept): CJK bigrams and each run's last
    character, and words."""
    out: list[str] = []
    for cjk, run in _runs(text or ""):
        out.extend([*_bigrams(run), run[-1]] if cjk else [run])
    return out


def document_tokens(fields: Mapping[str, Any]) -> dict[str, int]:
    """Token -> weight for a metadata row's ``title_zh``/``title_en`` (weight 2) and
    ``description_zh``/``description_en`` (1), at most :data:`MAX_DOCUMENT_TOKENS`."""
    weights: dict[str, int] = {}
    for weight, names in ((TITLE, ("title_zh", "title_en")), (DESCRIPTION, ("description_zh", "description_en"))):
        for name in names:
            for token in tokens(fields.get(name)):
                if token not in weights and len(weights) >= MAX_DOCUMENT_TOKENS:
                    return weights
                weights[token] = max(weights.get(token, 0), weight)
    return weights


@dataclass(frozen=True)
class Term:
    """One term of a query: a token to match exactly, or a prefix (an index range)."""

    value: str
    prefix: bool = False

    def condition(self, column: Any) -> Any:
        if not self.prefix:
            return column == self.value
        upper = self.value[:-1] + chr(ord(self.value[-1]) + 1)
        return sa.and_(column >= self.value, column < upper)


def query_terms(query: str) -> list[Term]:
    """The terms of a search query (see the module docstring), without repeats, at most :data:`MAX_TERMS`;
    empty when it holds no letter or digit."""
    runs = list(_runs(query))
    last_word = max((i for i, (cjk, _) in enumerate(runs) if not cjk), default=-1)
    terms: list[Term] = []
    for i, (cjk, run) in enumerate(runs):
        if cjk:
            found = [Term(run, prefix=True)] if len(run) == 1 else [Term(b) for b in _bigrams(run)]
        else:
            found = [Term(run, prefix=i == last_word)]
        terms.extend(t for t in found if t not in terms)
    return terms[:MAX_TERMS]


def token_rows(work_id: int, metadata_cid: str, fields: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``work_search_token`` rows of one document."""
    return [
        {"token": t, "work_id": work_id, "metadata_cid": metadata_cid, "weight": w}
        for t, w in document_tokens(fields).items()
    ]


def write_tokens(conn: sa.Connection, documents: Iterable[Mapping[str, Any]]) -> int:
    """Replace the tokens of each ``work_metadata`` row given (its ``work_id``, ``metadata_cid``,
    ``status`` and text fields): a row not ``ok`` keeps none. Runs in the caller's transaction, so a
    document and its tokens are written together. Returns the token rows written."""
    docs = list(documents)
    if not docs:
        return 0
    for doc in docs:
        conn.execute(
            sa.delete(_token).where(_token.c.work_id == doc["work_id"], _token.c.metadata_cid == doc["metadata_cid"])
        )
    rows = [r for d in docs if d.get("status") == "ok" for r in token_rows(d["work_id"], d["metadata_cid"], d)]
    if rows:
        conn.execute(sa.insert(_token), rows)
    return len(rows)


def scores(terms: list[Term]) -> Any:
    """A subquery ``(work_id, score)`` of the works whose current document holds at least one of
    ``terms`` (none: ``None``); see the module docstring for the score.

    Each term's best postings (a prefix's grouped per document: its best weight), then one check that
    the document is the work's current one, on the covering index ``(work_id, metadata_cid)`` of
    ``work``: once for the union, not once per term (a three-term search on SQLite: 21 -> 10 ms of CPU
    with the read layer's page-keys-first, ``benchmarks/search.py``)."""
    if not terms:
        return None
    per_term = []
    for term in terms:
        best = (
            sa.select(_token.c.work_id, _token.c.metadata_cid, _token.c.weight)
            .where(term.condition(_token.c.token))
            .order_by(_token.c.token, _token.c.weight.desc(), _token.c.work_id.desc())
            .limit(MAX_CANDIDATES)
            .subquery()
        )
        columns = (best.c.work_id.label("work_id"), best.c.metadata_cid.label("metadata_cid"))
        if term.prefix:  # several tokens of one document may share the prefix: the term counts once
            per_term.append(
                sa.select(*columns, sa.func.max(best.c.weight).label("weight")).group_by(
                    best.c.work_id, best.c.metadata_cid
                )
            )
        else:  # one token: one posting per document
            per_term.append(sa.select(*columns, best.c.weight.label("weight")))
    hits = per_term[0].subquery() if len(per_term) == 1 else sa.union_all(*per_term).subquery()
    current = sa.and_(_work.c.work_id == hits.c.work_id, _work.c.metadata_cid == hits.c.metadata_cid)
    score = sa.func.sum(hits.c.weight).label("score")
    return (
        sa.select(hits.c.work_id.label("work_id"), score)
        .select_from(hits.join(_work, current))
        .group_by(hits.c.work_id)
        .subquery("search")
    )
