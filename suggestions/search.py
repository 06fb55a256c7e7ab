"""Text search of suggestions' titles and details, indexed on both database backends.

Chinese has no spaces between words and a resident's search is often two characters
("路灯", "停车"), so words cannot be found by splitting on spaces, and PostgreSQL's ``pg_trgm``
and SQLite's trigram tokenizer cannot index a two-character search at all. Each run of Chinese
characters is cut into overlapping pairs instead (bigrams: "路灯不亮" → 路灯 灯不 不亮), and
each character is a token too, for one-character searches ("灯"). Latin letters and digits
make lower-cased words ("LED" → led, "3号楼" → 3 号楼 号 楼), found whole: "12号楼" is not
"123号楼". Every token is found exactly, never as a prefix, so the index's statistics say how
common each is (a prefix of a word can be anything from rare to a third of all rows).

A search must find every token of the query (AND); the tokens narrow the rows through the
index, and the words typed are then checked as substrings on those few rows, so "路灯不亮" does
not find a text that merely holds 路灯, 灯不 and 不亮 apart. A word common enough skips the
index and is only checked as a substring while the list is walked in its order
(:func:`text_search` says why); the two ways find the same rows, except that through the
index a Latin word or number is found whole only ("led" finds "LED灯", not "bled"). A
query with no token at all (only punctuation, say) matches nothing through the text: an
unindexed scan of a million rows is what this module exists to avoid.

The index, per backend (migration ``0004_search_index``):

* PostgreSQL: a GIN index over the expression ``suggestion_search_vector(title, content)``,
  an IMMUTABLE SQL function that mirrors :func:`index_tokens` and builds a ``tsvector`` with
  ``array_to_tsvector`` (tokens taken as they are: no parser, no dictionary, so the server's
  locale plays no part). The database keeps it in step with every write.
* SQLite: an FTS5 table ``suggestion_search`` (contentless, ``rowid`` = the suggestion's id)
  filled by triggers on the suggestion table with the tokens :func:`index_tokens` gives; the
  triggers call it as the SQL function ``portal_search_tokens``, registered on every
  connection Django opens (:func:`register_sqlite_function`).

The DDL lives here, beside the Python tokenizer it must mirror; the migration and
``manage.py rebuild_search_index`` (after the tokenizer changes, or to mend the SQLite
triggers) both run it.
"""

import logging
import re
import time

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, Expression, F, Q, Value
from django.db.models.functions import Lower, StrIndex
from django.db.models.lookups import GreaterThan

logger = logging.getLogger(__name__)

# Han ideographs: the unified block, extension A, the compatibility block and the
# supplementary planes (rare characters of names and places). PG_FUNCTION_SQL spells out
# the same ranges.
CJK_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
# ASCII only, lower-cased after matching: Python's and PostgreSQL's lower() agree on ASCII in
# any locale (they do not on, say, the Kelvin sign), so both sides make the same tokens.
WORD = re.compile("[A-Za-z0-9]+")
ASCII_LETTER = re.compile("[A-Za-z]")
# Long words are cut (a tsvector lexeme is at most 2 KB), in the text and in a search alike.
MAX_WORD = 32
# More tokens than this in one search add nothing but work: the substring check decides.
MAX_QUERY_TOKENS = 12
# Fewer matches than this: look them up in the index and sort them; more: walk the list's
# order checking rows (text_search). Either way a page reads about this many rows at most.
COMMON_MATCHES = 5000
# The estimates move only as the data does; each process keeps them a while.
ESTIMATE_SECONDS = 600
_ESTIMATES: dict[tuple, tuple[int, float]] = {}
SQLITE_FUNCTION = "portal_search_tokens"
SQLITE_TABLE = "suggestion_search"
PG_FUNCTION = "suggestion_search_vector"


def index_tokens(*texts: str) -> set[str]:
    """The tokens under which a text with these parts is found."""
    tokens = set()
    for text in texts:
        text = text or ""
        for run in CJK_RUN.findall(text):
            tokens.update(run)
            tokens.update(run[i : i + 2] for i in range(len(run) - 1))
        tokens.update(word.lower()[:MAX_WORD] for word in WORD.findall(text))
    return tokens


def query_tokens(value: str) -> list[str]:
    """The tokens a search must find, without repeats: the pairs of a Chinese run (a single
    character alone), the words."""
    found: dict[str, None] = {}
    for run in CJK_RUN.findall(value):
        pairs = [run[i : i + 2] for i in range(len(run) - 1)]
        found.update(dict.fromkeys(pairs or [run]))
    found.update(dict.fromkeys(word.lower()[:MAX_WORD] for word in WORD.findall(value)))
    return list(found)[:MAX_QUERY_TOKENS]


def sqlite_tokens(title: str | None, content: str | None) -> str:
    """What the SQLite triggers store in the FTS5 table: the tokens, space-separated."""
    try:
        return " ".join(sorted(index_tokens(str(title or ""), str(content or ""))))
    except Exception:
        # An error here would fail the resident's INSERT inside the trigger; an unsearchable
        # row is the lesser harm (and the same input fails alike on delete, so the FTS table
        # stays consistent).
        logger.exception("search tokens failed")
        return ""


def pg_tsquery(tokens: list[str], *, any_token: bool = False) -> str:
    """A tsquery in its input syntax: each token quoted, so no parser or dictionary runs.

    Tokens hold only Han characters, ASCII letters and digits, never a quote."""
    return (" | " if any_token else " & ").join(f"'{token}'" for token in tokens)


def fts5_query(tokens: list[str], *, any_token: bool = False) -> str:
    """An FTS5 MATCH expression: every token (or any, ``any_token``) as a quoted string."""
    return (" OR " if any_token else " AND ").join(f'"{token}"' for token in tokens)


def similar_tokens(title: str) -> list[str]:
    """The tokens two titles about the same problem share: the pairs of each Chinese run and
    the words ("路灯不亮" → 路灯 灯不 不亮). Single characters say too little ("路" is in every
    other title) unless the title has nothing else."""
    tokens = query_tokens(" ".join(title.split()[:MAX_QUERY_TOKENS]))
    longer = [token for token in tokens if len(token) > 1 or token.isascii()]
    return longer or tokens


# A token in more than this share of all suggestions (社区, 小区) would make the "any token"
# look-up of similar_candidates read a good part of the index: it only ranks, then.
SIMILAR_COMMON_SHARE = 0.02


# Common tokens are looked up in pairs; more than this many of them add little.
SIMILAR_COMMON_TOKENS = 6


def similar_condition(tokens: list[str], using: str = DEFAULT_DB_ALIAS) -> "TokenMatch":
    """The index condition of similar suggestions: rows holding any of the title's tokens that
    is rare enough to look up (PostgreSQL's statistics of the index say which), or any two of
    its common ones (社区 alone is in half the rows; 路灯 with 不亮 is not). A title of four
    tokens or more must share two to count as similar (similar_suggestions), so the pairs
    lose nothing there. SQLite keeps no statistics: any token."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return TokenMatch(tokens, any_token=True)
    _rows, frequencies, floor = _pg_statistics(connection)
    rare = [token for token in tokens if frequencies.get(token, floor) < SIMILAR_COMMON_SHARE]
    common = [token for token in tokens if token not in rare][:SIMILAR_COMMON_TOKENS]
    groups = [[token] for token in rare]
    groups += [[a, b] for i, a in enumerate(common) for b in common[i + 1 :]]
    if not groups:  # one common token and nothing else
        groups = [common]
    return TokenMatch(tokens, groups=groups)


def similarity(query: list[str], title: str) -> int:
    """How many of the query's tokens the title holds (the rank of a similar suggestion)."""
    held = index_tokens(title)
    return sum(1 for token in query if token in held)


# Mirrors index_tokens: substr(run, i, 1) and substr(run, i, 2) for every i of a Han run give
# its characters and its bigrams (the last "pair" is the last character again); ASCII words
# are lower-cased after matching and cut at 32 characters. array_to_tsvector takes the tokens
# as they are (no parser, no dictionary), so the result does not depend on the server's
# locale: IMMUTABLE is honest.
PG_FUNCTION_SQL = r"""
CREATE OR REPLACE FUNCTION suggestion_search_vector(title text, content text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL UNSAFE
AS $$
SELECT coalesce(array_to_tsvector(array_agg(DISTINCT token)), ''::tsvector)
FROM (
    SELECT piece.token
    FROM regexp_matches(
        coalesce(title, '') || ' ' || coalesce(content, ''),
        '[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+', 'g'
    ) AS run,
    generate_series(1, char_length(run[1])) AS i,
    LATERAL (VALUES (substr(run[1], i, 1)), (substr(run[1], i, 2))) AS piece (token)
    UNION ALL
    SELECT left(lower(word[1]), 32)
    FROM regexp_matches(coalesce(title, '') || ' ' || coalesce(content, ''), '[A-Za-z0-9]+', 'g')
        AS word
) AS tokens
$$;
-- It costs ~160 us a row, some 6,000 operators: said so, the planner looks a rare word up in
-- the index instead of computing every row's tokens while walking the list (COST 500 let it
-- walk: 2.6 s for "1" at a million rows, 40 ms looked up). PARALLEL UNSAFE keeps a search
-- serial: its lookups read a few thousand rows at most (text_search), and starting parallel
-- workers cost more than that (20-80 ms against under 2 ms for a rare word, measured).
ALTER FUNCTION suggestion_search_vector(text, text) COST 10000;
"""
# The statistics decide between the two plans of text_search: a token ANALYZE does not list
# among the most common must be rare enough to look up. The default target lists ~1,000
# tokens, down to 2 % of the rows (20,000 at a million); 1,000 lists down to ~0.3 %. The
# price: ANALYZE of the table samples 300,000 rows and computes their tokens (1-2 minutes at
# a million rows; autovacuum does it after a tenth of the table has changed).
PG_INDEX_SQL = """
CREATE INDEX IF NOT EXISTS sugg_search_gin_idx ON suggestions_suggestion
USING gin (suggestion_search_vector(title, content));
ALTER INDEX sugg_search_gin_idx ALTER COLUMN 1 SET STATISTICS 1000;
"""
PG_REVERSE = """
DROP INDEX IF EXISTS sugg_search_gin_idx;
DROP FUNCTION IF EXISTS suggestion_search_vector(text, text);
"""

# Contentless (the tokens are not stored twice) and detail=none (presence is all a search
# needs), so the table stays small; a contentless table forgets a row by being told the row's
# tokens again, hence the OLD values in the delete and update triggers. The "ascii"
# tokenizer splits the stored tokens at the spaces only and leaves Han characters alone.
SQLITE_TABLE_SQL = """
CREATE VIRTUAL TABLE IF NOT EXISTS suggestion_search
USING fts5(tokens, content='', detail=none, tokenize='ascii');
"""
SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER IF NOT EXISTS suggestion_search_insert
    AFTER INSERT ON suggestions_suggestion BEGIN
        INSERT INTO suggestion_search (rowid, tokens)
        VALUES (new.id, portal_search_tokens(new.title, new.content));
    END;
    """,
    """
    CREATE TRIGGER IF NOT EXISTS suggestion_search_delete
    AFTER DELETE ON suggestions_suggestion BEGIN
        INSERT INTO suggestion_search (suggestion_search, rowid, tokens)
        VALUES ('delete', old.id, portal_search_tokens(old.title, old.content));
    END;
    """,
    """
    CREATE TRIGGER IF NOT EXISTS suggestion_search_update
    AFTER UPDATE OF title, content ON suggestions_suggestion
    WHEN old.title IS NOT new.title OR old.content IS NOT new.content BEGIN
        INSERT INTO suggestion_search (suggestion_search, rowid, tokens)
        VALUES ('delete', old.id, portal_search_tokens(old.title, old.content));
        INSERT INTO suggestion_search (rowid, tokens)
        VALUES (new.id, portal_search_tokens(new.title, new.content));
    END;
    """,
]
SQLITE_FILL = """
INSERT INTO suggestion_search (rowid, tokens)
SELECT id, portal_search_tokens(title, content) FROM suggestions_suggestion;
"""
SQLITE_CLEAR = "INSERT INTO suggestion_search (suggestion_search) VALUES ('delete-all');"
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS suggestion_search_insert;",
    "DROP TRIGGER IF EXISTS suggestion_search_delete;",
    "DROP TRIGGER IF EXISTS suggestion_search_update;",
    "DROP TABLE IF EXISTS suggestion_search;",
]


def install(connection) -> None:
    """Create the index, its function or triggers, and fill it (the migration)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION_SQL)
            cursor.execute(PG_INDEX_SQL)
        elif connection.vendor == "sqlite":
            cursor.execute(SQLITE_TABLE_SQL)
            for trigger in SQLITE_TRIGGERS:
                cursor.execute(trigger)
            cursor.execute(SQLITE_FILL)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_REVERSE)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_REVERSE:
                cursor.execute(statement)


def sqlite_index_exists(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [SQLITE_TABLE]
        )
        return cursor.fetchone() is not None


def ensure_sqlite_triggers(sender=None, using="default", **kwargs) -> None:
    """``post_migrate`` receiver: put back the SQLite triggers a table rebuild dropped.

    Django alters a SQLite table by copying it into a new one and dropping the old, which
    drops its triggers too; the copy keeps the ids, so the FTS table still fits the rows."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite" or not sqlite_index_exists(connection):
        return
    with connection.cursor() as cursor:
        for trigger in SQLITE_TRIGGERS:
            cursor.execute(trigger)


def rebuild(connection) -> int:
    """Recompute every suggestion's tokens; the number of suggestions indexed."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTION_SQL)
            cursor.execute(PG_INDEX_SQL)
            cursor.execute("REINDEX INDEX sugg_search_gin_idx")
        elif connection.vendor == "sqlite":
            cursor.execute(SQLITE_TABLE_SQL)
            for trigger in SQLITE_TRIGGERS:
                cursor.execute(trigger)
            cursor.execute(SQLITE_CLEAR)
            cursor.execute(SQLITE_FILL)
        else:
            return 0
        cursor.execute("SELECT COUNT(*) FROM suggestions_suggestion")
        return cursor.fetchone()[0]


class TokenMatch(Expression):
    """True for the suggestions whose title or details hold all the tokens (via the index)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, tokens: list[str], *, any_token: bool = False, groups: list[list[str]] = ()):
        super().__init__()
        self.tokens = tokens
        # any_token: rows holding at least one of the tokens; groups: rows holding all the
        # tokens of at least one group (similar_condition's candidates).
        self.any_token = any_token
        self.groups = [list(group) for group in groups]
        self.columns = [F("id"), F("title"), F("content")]

    def __repr__(self):
        return f"{self.__class__.__name__}({self.tokens!r})"

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_postgresql(self, compiler, connection):
        # The same expression as the index, so the planner can use it.
        title, title_params = compiler.compile(self.columns[1])
        content, content_params = compiler.compile(self.columns[2])
        sql = f"{PG_FUNCTION}({title}, {content}) @@ CAST(%s AS tsquery)"
        if self.groups:
            query = " | ".join(f"({pg_tsquery(group)})" for group in self.groups)
        else:
            query = pg_tsquery(self.tokens, any_token=self.any_token)
        return sql, (*title_params, *content_params, query)

    def as_sqlite(self, compiler, connection):
        pk, pk_params = compiler.compile(self.columns[0])
        # Only a compiled column and constants are spliced in; the query is a parameter.
        sql = f"{pk} IN (SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s)"  # noqa: S608
        if self.groups:
            query = " OR ".join(f"({fts5_query(group)})" for group in self.groups)
        else:
            query = fts5_query(self.tokens, any_token=self.any_token)
        return sql, (*pk_params, query)

    def as_sql(self, compiler, connection):
        # Another backend has no index: the substring check of text_search does the work.
        return "1 = 1", ()


def text_search(value: str, using: str = DEFAULT_DB_ALIAS) -> Q | None:
    """The condition "title or details contain what was typed", served by the index.

    Every word typed (split at spaces) must appear in the title or in the details; None when
    the search holds no token the index knows (the caller matches nothing by text then).

    A list shows the newest matches first, and two plans keep that bounded at any size. A
    search the index finds in fewer than ``COMMON_MATCHES`` rows is looked up there and its
    matches sorted. A commoner one (路灯 is in one suggestion of eight) is checked row by row
    while walking the list's own order, which meets a page of matches within about
    ``COMMON_MATCHES`` rows (at a million): a plain substring check then, cheap per row
    (PostgreSQL computing a row's tokens costs ~160 µs, LIKE ~2 µs). Only the index's
    statistics tell the two apart, so the choice is made here (:func:`estimated_matches`),
    not left to the planner, which cannot see through the substring check and looked up and
    sorted all 126,000 matches of 路灯 (1.2 s) instead of walking 200 rows (5 ms).
    """
    terms = value.split()[:MAX_QUERY_TOKENS]
    groups = [group for group in (query_tokens(term) for term in terms) if group]
    tokens = list(dict.fromkeys(token for group in groups for token in group))
    if not tokens:
        return None
    if estimated_matches(groups, using) >= COMMON_MATCHES:
        return _all_terms(terms, _walk_check)
    return Q(TokenMatch(tokens[:MAX_QUERY_TOKENS])) & _all_terms(terms, _lookup_check)


def _all_terms(terms: list[str], check) -> Q:
    condition = Q()
    for term in terms:
        condition &= check(term)
    return condition


def _walk_check(term: str) -> Q:
    """The substring check made row by row while walking the list.

    Case matters only to Latin letters; without them a plain LIKE, which PostgreSQL estimates
    from the column's statistics, so it walks far enough (UPPER(...) LIKE has none and is taken
    to match one row in 200, which sent a common word to a plan that read all its matches)."""
    lookup = "icontains" if ASCII_LETTER.search(term) else "contains"
    return Q(**{f"title__{lookup}": term}) | Q(**{f"content__{lookup}": term})


def _lookup_check(term: str) -> Q:
    """The substring check of the rows the index found: nothing when the word is its one
    token (路灯, 12), else STRPOS/INSTR, which the planner takes to keep a third of the rows.

    A LIKE here multiplied the index's estimate by its own guess, so that 3,000 matches were
    expected as one, joined by nested loops and took 100 ms instead of 10."""
    tokens = query_tokens(term)
    if tokens == [term.lower()]:
        return Q()
    if ASCII_LETTER.search(term):
        title, content, term = Lower("title"), Lower("content"), term.lower()
    else:
        title, content = F("title"), F("content")
    return Q(GreaterThan(StrIndex(title, Value(term)), 0)) | Q(
        GreaterThan(StrIndex(content, Value(term)), 0)
    )


def estimated_matches(groups: list[list[str]], using: str = DEFAULT_DB_ALIAS) -> int:
    """About how many suggestions hold the tokens of every group (a group: a word typed).

    The pairs of one word nearly always come together (a text with 路灯 and 灯不 mostly says
    路灯不...), so a word is as common as its rarest pair; words apart are taken as
    independent. Never more than one query per process in ``ESTIMATE_SECONDS``."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        rows, frequencies, floor = _pg_statistics(connection)
        share = 1.0
        for group in groups:
            share *= min(frequencies.get(token, floor) for token in group)
        return int(share * rows)
    if connection.vendor == "sqlite":
        return _sqlite_count(connection, [token for group in groups for token in group])
    return 0


def _cached(key, compute):
    cached = _ESTIMATES.get(key)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    value = compute()
    if len(_ESTIMATES) >= 1000:
        _ESTIMATES.clear()
    _ESTIMATES[key] = (value, time.monotonic() + ESTIMATE_SECONDS)
    return value


def _pg_statistics(connection) -> tuple[float, dict[str, float], float]:
    """The table's row count and the index's most common tokens with the share of rows that
    hold each, as ANALYZE keeps them (``pg_stats`` of the index expression): no row is read.
    A token not among them is rarer than the rarest listed."""

    def compute():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs "
                "FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema() "
                "AND s.tablename = 'sugg_search_gin_idx' "
                "WHERE c.relname = 'suggestions_suggestion' AND c.relkind = 'r'"
            )
            row = cursor.fetchone()
        if row is None or not row[1]:
            return 0.0, {}, 0.0
        frequencies = dict(zip(row[1], row[2], strict=False))
        return max(float(row[0]), 0.0), frequencies, min(frequencies.values()) / 2

    return _cached(("pg", connection.settings_dict["NAME"]), compute)


def _sqlite_count(connection, tokens: list[str]) -> int:
    """FTS5 keeps no statistics, but counting up to the limit reads only the index."""

    def compute():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM suggestion_search "
                "WHERE suggestion_search MATCH %s LIMIT %s)",
                [fts5_query(tokens), COMMON_MATCHES],
            )
            return cursor.fetchone()[0]

    return _cached(("sqlite", connection.settings_dict["NAME"], tuple(tokens)), compute)


def register_sqlite_function(sender, connection, **kwargs):
    """``connection_created`` receiver: give SQLite connections the tokenizer the triggers call."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(SQLITE_FUNCTION, 2, sqlite_tokens, deterministic=True)
