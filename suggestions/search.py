"""Text search of suggestions' titles and details, indexed on both database backends.

Chinese has no spaces between words and a resident's search is often two characters
("路灯", "停车"), so words cannot be found by splitting on spaces, and PostgreSQL's ``pg_trgm``
and SQLite's trigram tokenizer cannot index a two-character search at all. Each run of Chinese
characters is cut into overlapping pairs instead (bigrams: "路灯不亮" → 路灯 灯不 不亮), plus
the run's last character alone, so that every character starts some token and a
one-character search is a prefix match ("灯" finds 灯不 and the trailing 亮 alike). Latin
letters and digits make lower-cased words ("LED" → led, "3号楼" → 3 号楼 楼).

A search must find every token of the query (AND); the tokens narrow the rows through the
index, and the words typed are then checked as substrings on those few rows, so "路灯不亮" does
not find a text that merely holds 路灯, 灯不 and 不亮 apart. A query with no token at all
(only punctuation, say) matches nothing through the text: an unindexed scan of a million rows
is what this module exists to avoid.

The index, per backend (migration ``0004_search_index``):

* PostgreSQL: a GIN index over the expression ``suggestion_search_vector(title, content)``,
  an IMMUTABLE SQL function that mirrors :func:`index_tokens` and builds a ``tsvector`` with
  ``array_to_tsvector`` (tokens taken as they are: no parser, no dictionary, so the server's
  locale plays no part). The database keeps it in step with every write.
* SQLite: an FTS5 table ``suggestion_search`` (contentless, ``rowid`` = the suggestion's id)
  filled by triggers on the suggestion table with the tokens :func:`index_tokens` gives; the
  triggers call it as the SQL function ``portal_search_tokens``, registered on every
  connection Django opens (:func:`register_sqlite_function`).

Both are rebuilt by ``manage.py rebuild_search_index``, needed after the tokenizer changes.
"""

import re

from django.db.models import BooleanField, Expression, F, Q

# Han ideographs: the unified block, extension A, the compatibility block and the
# supplementary planes (rare characters of names and places). The SQL function of the
# migration spells out the same ranges.
CJK_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
# ASCII only, lower-cased after matching: Python's and PostgreSQL's lower() agree on ASCII in
# any locale (they do not on, say, the Kelvin sign), so both sides make the same tokens.
WORD = re.compile("[A-Za-z0-9]+")
# Long words are cut (a tsvector lexeme is at most 2 KB); the cut word still matches as a prefix.
MAX_WORD = 32
# More tokens than this in one search add nothing but work: the substring check decides.
MAX_QUERY_TOKENS = 12
SQLITE_FUNCTION = "portal_search_tokens"
SQLITE_TABLE = "suggestion_search"
PG_FUNCTION = "suggestion_search_vector"


def index_tokens(*texts: str) -> set[str]:
    """The tokens under which a text with these parts is found."""
    tokens = set()
    for text in texts:
        text = text or ""
        for run in CJK_RUN.findall(text):
            # run[i:i + 2] for every i: the bigrams, and the last character alone.
            tokens.update(run[i : i + 2] for i in range(len(run)))
        tokens.update(word.lower()[:MAX_WORD] for word in WORD.findall(text))
    return tokens


def query_tokens(value: str) -> list[tuple[str, bool]]:
    """The tokens a search must find, each as ``(token, is_prefix)``, without repeats."""
    found: dict[str, bool] = {}
    for run in CJK_RUN.findall(value):
        if len(run) == 1:
            found.setdefault(run, True)
        for i in range(len(run) - 1):
            found[run[i : i + 2]] = False
    for word in WORD.findall(value):
        found.setdefault(word.lower()[:MAX_WORD], True)
    return list(found.items())[:MAX_QUERY_TOKENS]


def sqlite_tokens(title: str | None, content: str | None) -> str:
    """What the SQLite triggers store in the FTS5 table: the tokens, space-separated."""
    return " ".join(sorted(index_tokens(title or "", content or "")))


def pg_tsquery(tokens: list[tuple[str, bool]]) -> str:
    """A tsquery in its input syntax: each token quoted, so no parser or dictionary runs.

    Tokens hold only Han characters, ASCII letters and digits, never a quote."""
    return " & ".join(f"'{token}'" + (":*" if prefix else "") for token, prefix in tokens)


def fts5_query(tokens: list[tuple[str, bool]]) -> str:
    """An FTS5 MATCH expression: every token as a quoted string, prefixes starred."""
    return " AND ".join(f'"{token}"' + ("*" if prefix else "") for token, prefix in tokens)


class TokenMatch(Expression):
    """True for the suggestions whose title or details hold all the tokens (via the index)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, tokens: list[tuple[str, bool]]):
        super().__init__()
        self.tokens = tokens
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
        return sql, (*title_params, *content_params, pg_tsquery(self.tokens))

    def as_sqlite(self, compiler, connection):
        pk, pk_params = compiler.compile(self.columns[0])
        # Only a compiled column and constants are spliced in; the query is a parameter.
        sql = f"{pk} IN (SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s)"  # noqa: S608
        return sql, (*pk_params, fts5_query(self.tokens))

    def as_sql(self, compiler, connection):
        # Another backend has no index: the substring check of text_search does the work.
        return "1 = 1", ()


def text_search(value: str) -> Q | None:
    """The condition "title or details contain what was typed", served by the index.

    Every word typed (split at spaces) must appear in the title or in the details; None when
    the search holds no token the index knows (the caller matches nothing by text then).
    """
    tokens = query_tokens(value)
    if not tokens:
        return None
    condition = Q(TokenMatch(tokens))
    for term in value.split()[:MAX_QUERY_TOKENS]:
        condition &= Q(title__icontains=term) | Q(content__icontains=term)
    return condition


def register_sqlite_function(sender, connection, **kwargs):
    """``connection_created`` receiver: give SQLite connections the tokenizer the triggers call."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(SQLITE_FUNCTION, 2, sqlite_tokens, deterministic=True)
