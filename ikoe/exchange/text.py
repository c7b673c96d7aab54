"""German words for the practice search: tokens, stems, stop words, a small thesaurus, and the
highlighting of matches (docs/exchange.md, "Search").

On PostgreSQL the database stems with its ``german`` text-search configuration; on SQLite the
words are stemmed here, at index and at query time, with the Snowball German stemmer, the same
algorithm that PostgreSQL's ``german_stem`` dictionary runs (``tests/test_exchange_search.py``
compares the two). A query word matches every indexed word that begins with its stem, so
"Ausbildung" (stem ``ausbild``) finds "Ausbildungskampagne" (``ausbildungskampagn``); the
thesaurus adds words that no stem joins, so that it also finds "Auszubildende".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import snowballstemmer
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WORD = re.compile(r"[^\W_]+")
MIN_PREFIX = 3
"""A query stem shorter than this matches whole words only (else "an" would match "Anerkennung")."""
MAX_TERMS = 8
"""Query words beyond this are ignored (a search box is not a document)."""

STOPWORDS = frozenset(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anders
    anderes auch auf aus bei bin bis bist da damit dann das dazu dein deine dem den denn der des
    dessen dich die dies diese diesem diesen dieser dieses dir doch dort du durch ein eine einem
    einen einer einiger eines er es etwas euch euer für gegen habe haben hat hatte hatten hier
    hin hinter ich ihm ihn ihr ihre ihrem ihren ihrer im in indem ins ist jede jedem jeden jeder
    jedes jetzt kann kein keine keinen können machen man manche mein mich mir mit muss nach
    nicht nichts noch nun nur ob oder ohne sehr sein seine seiner seines selbst sich sie sind so
    solche soll sollte sondern sonst um und uns unser unter viel vom von vor war waren was weil
    weiter welche wenn werden wie wieder will wir wird wo wollen wollte während zu zum zur zwar
    zwischen über
    """.split()  # noqa: SIM905 - a block of words reads better than a list
)
"""German function words that are neither indexed nor searched."""

THESAURUS: tuple[tuple[str, ...], ...] = (
    ("Ausbildung", "Auszubildende", "Azubi", "Nachwuchskräfte"),
    ("Fortbildung", "Weiterbildung", "Schulung", "Training", "Qualifizierung"),
    ("Migrationshintergrund", "Migrationsgeschichte", "Einwanderungsgeschichte"),
    ("Beschäftigte", "Mitarbeitende", "Bedienstete", "Personal"),
    ("Befragung", "Erhebung", "Umfrage"),
    ("Geflüchtete", "Flüchtlinge", "Schutzsuchende"),
    ("Einstellung", "Personalgewinnung", "Rekrutierung", "Nachwuchsgewinnung"),
    ("mehrsprachig", "Sprachmittlung", "Dolmetschen"),
    ("Migrantenorganisationen", "Migrantenselbstorganisationen", "MSO"),
)
"""Words that mean the same thing in this field but share no stem; a query word in a group also
searches the group's other words."""

_stemmer = snowballstemmer.stemmer("german")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball German stem of one word, lower-cased (umlauts become plain vowels).

    >>> [stem(w) for w in ["Ausbildung", "Ausbildungskampagne", "Auszubildende", "Behörden"]]
    ['ausbild', 'ausbildungskampagn', 'auszubild', 'behord']
    """
    return str(_stemmer.stemWord(word.lower()))


def words(text: str) -> list[str]:
    """The words of a text, without stop words.

    >>> words("Die Polizei und das Land – 2024!")
    ['Polizei', 'Land', '2024']
    """
    return [w for w in WORD.findall(text) if w.lower() not in STOPWORDS]


def index_text(text: str) -> str:
    """The text as the SQLite index stores it: its stems, separated by spaces.

    >>> index_text("Ausbildungskampagne für Auszubildende")
    'ausbildungskampagn auszubild'
    """
    return " ".join(stem(w) for w in words(text))


_GROUP_OF: dict[str, tuple[str, ...]] = {stem(word): group for group in THESAURUS for word in group}


def parse(query: str) -> list[tuple[str, ...]]:
    """The terms of a query: each a tuple of words of which one must match (the word and its
    thesaurus group); all terms must match.

    >>> parse("Ausbildung bei der Polizei")
    [('Ausbildung', 'Auszubildende', 'Azubi', 'Nachwuchskräfte'), ('Polizei',)]
    >>> parse("  ; ")
    []
    """
    terms: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for word in words(query)[:MAX_TERMS]:
        key = stem(word)
        if key in seen:
            continue
        seen.add(key)
        group = _GROUP_OF.get(key)
        if group is None:
            terms.append((word,))
        else:
            first = next(w for w in group if stem(w) == key)
            terms.append((first, *(w for w in group if w != first)))
    return terms


def stems(terms: Sequence[tuple[str, ...]]) -> list[str]:
    """Every stem of the query's terms, for highlighting."""
    return sorted({stem(w) for term in terms for w in term})


def matches(word_stem: str, query_stems: Iterable[str]) -> bool:
    """Whether an indexed word (by its stem) matches one of the query's stems.

    >>> matches("ausbildungskampagn", ["ausbild"])
    True
    >>> matches("anerkenn", ["an"])
    False
    """
    for q in query_stems:
        if word_stem == q or (len(q) >= MIN_PREFIX and word_stem.startswith(q)):
            return True
    return False


def fts5_query(terms: Sequence[tuple[str, ...]], columns: str = "{title body}") -> str:
    """The FTS5 MATCH expression of the query over ``columns`` (stems, prefix matches from
    MIN_PREFIX on).

    >>> fts5_query(parse("Polizei Ausbildung"))
    '{title body} : ("polizei"*) AND {title body} : ("ausbild"* OR "auszubild"* OR "azubi"* OR "nachwuchskraft"*)'
    """

    def one(word: str) -> str:
        s = stem(word)
        return f'"{s}"*' if len(s) >= MIN_PREFIX else f'"{s}"'

    return " AND ".join(
        f"{columns} : (" + " OR ".join(dict.fromkeys(one(w) for w in term)) + ")" for term in terms
    )


def tsquery(terms: Sequence[tuple[str, ...]]) -> str:
    """The query for PostgreSQL's ``to_tsquery('german', …)``, which stems the words itself.

    >>> tsquery(parse("Polizei Ausbildung"))
    '(Polizei:*) & (Ausbildung:* | Auszubildende:* | Azubi:* | Nachwuchskräfte:*)'
    """

    def one(word: str) -> str:
        return f"{word}:*" if len(stem(word)) >= MIN_PREFIX else word

    return " & ".join("(" + " | ".join(one(w) for w in term) + ")" for term in terms)


def highlight(text: str, query_stems: Sequence[str], width: int | None = None) -> SafeString:
    """The text, escaped, with the words that match the query marked (``<mark>``).

    With ``width``, only an excerpt of about that many characters around the first match
    (or the start), with "…" where text is left out.

    >>> str(highlight("Mehr Auszubildende <b>", ["auszubild"]))
    'Mehr <mark>Auszubildende</mark> &lt;b&gt;'
    """
    spans = [
        (m.start(), m.end())
        for m in WORD.finditer(text)
        if query_stems and matches(stem(m.group()), query_stems)
    ]
    start, end = 0, len(text)
    if width is not None and len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, first - width // 3)
        if start:
            start = text.find(" ", start) + 1 or start
        end = min(len(text), start + width)
        if end < len(text):
            end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    out: list[str] = ["… " if start else ""]
    pos = start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(escape(text[pos:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        pos = b
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append(" …")
    return mark_safe("".join(out))  # noqa: S308 - every piece of the text is escaped above
