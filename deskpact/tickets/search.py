"""Full-text search over tickets, inside whatever visibility the caller's queryset has.

The index is one search document per ticket (models.TicketSearch), written by database
triggers (migration 0002_ticket_search), so every write path keeps it current: services,
the admin, bulk_create, QuerySet.update() and raw SQL alike. Searching is one SQL query that
joins the caller's queryset to it: no rows are looped over in Python.

Ranking must read every matching document, so a word found in most tickets would cost in
proportion to the whole desk. The query therefore takes the newest MAX_RESULTS visible
matches first (by ticket id: an index walk or the FTS5 rowid order, no document read) and
ranks only those. Queries matching fewer tickets, which is nearly all of them, are ranked
in full; the count a paginator asks for is then at most MAX_RESULTS.

- PostgreSQL: `public_document` holds subject (weight A), body (B) and public replies (C);
  `internal_document` holds internal notes (D). Both are tsvector with a GIN index, built
  with the 'english' configuration (Snowball stemming, English stop words). Customers'
  queries only ever touch the first. For agents each word may match in either document;
  they are kept apart rather than duplicated so the index stays half the size. Ranked by
  ts_rank (summed over both documents for agents).
- SQLite: an FTS5 table with columns subject, body, public_messages, internal_messages
  ('porter unicode61 remove_diacritics 2' tokenizer: Porter stemming, accents folded).
  Customers' queries are limited to the first three columns. Ranked with bm25(), weighted
  subject 10, body 4, replies 2, notes 1 (notes 0 for customers).

The query language is deliberately plain, the same on both databases: words separated by
spaces, all of which must match (AND); no operators or wildcards. Each word goes to the
database as a bound parameter inside a quoted term (to_tsquery's '…' on PostgreSQL, FTS5's
"…"), so no input is a syntax error; a word with punctuation inside ("e-mail",
"bob@example.com") matches as the database's tokenizer splits it. The last word also
matches as a prefix when it has 3 or more letters or digits (search as you type): "print"
finds "printer". Stemming applies first, on both sides: "printers" finds "printer",
"running" finds "run". Differences that remain: PostgreSQL drops English stop words ("the",
"and": a query of only those finds nothing) and keeps accents ("cafe" does not find "café");
SQLite folds accents.
"""

from __future__ import annotations

import operator
import re
from functools import reduce
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, F, FloatField, Func, Lookup, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from deskpact.tickets.models import Ticket, TicketSearch

# At most this many results: the newest matches (by ticket id), ranked among themselves.
# It bounds a common word's cost ("error" in 70% of 100,000 tickets) to ranking 1,000.
MAX_RESULTS = 1000
MAX_QUERY_CHARS = 200
MAX_WORDS = 10
PREFIX_MIN_CHARS = 3
# Must match the configuration the triggers in 0002_ticket_search index with.
POSTGRES_CONFIG = "english"
# bm25() weights of the FTS5 columns: subject, body, public_messages, internal_messages.
SQLITE_WEIGHTS = (10.0, 4.0, 2.0, 1.0)

# NUL, other control characters and lone surrogates: neither database driver takes them.
_UNSAFE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
_HAS_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_LETTERS_AND_DIGITS = re.compile(r"[^\W_]+")


def search_words(q: str) -> list[str]:
    """The words of a query: space-separated, each with a letter or digit, at most 10.

    Words of punctuation only ('"', '*', '-') are dropped: they cannot match anything.
    """
    text = _UNSAFE.sub(" ", q[:MAX_QUERY_CHARS])
    return [word for word in text.split() if _HAS_LETTER_OR_DIGIT.search(word)][:MAX_WORDS]


def is_prefix_word(word: str) -> bool:
    """Whether the last word of a query also matches longer words starting with it."""
    return len(word) >= PREFIX_MIN_CHARS and _LETTERS_AND_DIGITS.fullmatch(word) is not None


def search_tickets(
    tickets: QuerySet[Ticket], q: str, *, include_internal: bool
) -> QuerySet[Ticket]:
    """Tickets of `tickets` matching every word of `q` in subject, body or public replies,
    and in internal notes when `include_internal` (agents only), best match first.

    `tickets` carries the caller's visibility (selectors.tickets_visible_to): this only
    narrows it. The result is annotated with `search_rank` (higher is better) and ordered
    by rank, then newest first, so callers can paginate it; it holds at most MAX_RESULTS
    tickets, the newest matches. A query without words returns `tickets` unchanged.
    """
    words = search_words(q)
    if not words:
        return tickets
    vendor = connections[tickets.db].vendor
    if vendor == "postgresql":
        found = _search_postgres(tickets, words, include_internal=include_internal)
    elif vendor == "sqlite":
        found = _search_sqlite(tickets, words, include_internal=include_internal)
    else:
        raise NotImplementedError(f"Ticket search supports PostgreSQL and SQLite, not {vendor}.")
    return found.order_by(F("search_rank").desc(), "-created_at", "-id")


# --- PostgreSQL ---------------------------------------------------------------------------


def tsquery_term(word: str, *, prefix: bool) -> str:
    """`word` as one quoted to_tsquery term: only ' and \\ are special inside the quotes."""
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + ":*" if prefix else quoted


def _search_postgres(
    tickets: QuerySet[Ticket], words: list[str], *, include_internal: bool
) -> QuerySet[Ticket]:
    last = len(words) - 1
    terms = [
        SearchQuery(
            tsquery_term(word, prefix=i == last and is_prefix_word(word)),
            search_type="raw",
            config=POSTGRES_CONFIG,
        )
        for i, word in enumerate(words)
    ]
    query = reduce(operator.and_, terms)
    public = "search_document__public_document"
    internal = "search_document__internal_document"
    if include_internal:
        # Each word in either document: every test can use a GIN index (a BitmapOr each).
        match = reduce(operator.and_, (Q(**{public: t}) | Q(**{internal: t}) for t in terms))
        # The sum of both ranks, not the rank of `public || internal`: concatenating costs
        # more than ranking. A ticket whose words are split between replies and notes
        # ranks near 0.
        rank: Expression = SearchRank(F(public), query) + SearchRank(F(internal), query)
    else:
        match = Q(**{public: query})
        rank = SearchRank(F(public), query)
    # The newest matches by id: an index walk for common words, the GIN index for rare ones.
    newest = tickets.filter(match).order_by("-pk").values("pk")[:MAX_RESULTS]
    return tickets.filter(pk__in=newest).annotate(search_rank=rank)


# --- SQLite -------------------------------------------------------------------------------


class _Fts5Match(Lookup[str]):
    """`<fts5 table> MATCH <query>`: a full-text query on SQLite's FTS5. A lookup rather than
    an expression so that filter() joins the search table with INNER JOIN: with a LEFT JOIN
    SQLite would have to scan every visible ticket instead of starting from the index."""

    lookup_name = "fts5_match"

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", (*lhs_params, *rhs_params)


class _Fts5RowidIn(Lookup[str]):
    """`+<fts5 table>.rowid IN (<subquery>)`, on the search table of the lhs column.

    The unary plus keeps SQLite from driving the FTS5 table by these rowids, one full-text
    query per id (and per id again for bm25's statistics); it filters the rows of the MATCH.
    """

    lookup_name = "fts5_rowid_in"

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        table = compiler.quote_name_unless_alias(self.lhs.alias)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f'+{table}."rowid" IN {rhs}', tuple(rhs_params)


_fts = TicketSearch._meta.get_field("fts")
_fts.register_lookup(_Fts5Match)
_fts.register_lookup(_Fts5RowidIn)


class _Fts5Rank(Func):
    """bm25() of the current FTS5 match with column weights (constants, never user input),
    negated so that higher is better as on PostgreSQL."""

    function = "bm25"
    template = "(-%(function)s(%(expressions)s, %(weights)s))"
    output_field = FloatField()

    def __init__(self, table: F, weights: tuple[float, ...]) -> None:
        super().__init__(table, weights=", ".join(repr(float(w)) for w in weights))


def fts5_query(words: list[str], *, include_internal: bool) -> str:
    """The FTS5 query for `words`: each a quoted string ("" inside), implicitly ANDed, the
    last one a prefix; without notes, limited to the subject, body and public columns."""
    terms = ['"' + word.replace('"', '""') + '"' for word in words]
    if is_prefix_word(words[-1]):
        terms[-1] += "*"
    query = " ".join(terms)
    if include_internal:
        return query
    return "{subject body public_messages} : (" + query + ")"


def _search_sqlite(
    tickets: QuerySet[Ticket], words: list[str], *, include_internal: bool
) -> QuerySet[Ticket]:
    match = fts5_query(words, include_internal=include_internal)
    # The newest matches straight from FTS5 (rowid order, no sort), kept when visible.
    newest: QuerySet[TicketSearch, dict[str, Any]] = (
        QuerySet(TicketSearch, using=tickets.db)
        .filter(fts__fts5_match=match, fts__fts5_rowid_in=tickets.order_by().values("pk"))
        .order_by("-pk")
        .values("pk")[:MAX_RESULTS]
    )
    weights = SQLITE_WEIGHTS if include_internal else (*SQLITE_WEIGHTS[:3], 0.0)
    return tickets.filter(
        search_document__fts__fts5_match=match, search_document__fts__fts5_rowid_in=newest
    ).annotate(search_rank=_Fts5Rank(F("search_document__fts"), weights))
