"""Words for the offline scorer: stemmed tokens with their places, negation scope, language.

Tokens are lowercased words stemmed by the Snowball English stemmer, so
"indexes"/"index", "caching"/"cached"/"cache" and "invalidate"/"invalidation"
meet on the same stem; answers and rubric phrases go through the same code.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_TOKEN_RE = re.compile(r"[a-z0-9]+[+#]*")
_WORD_RE = re.compile(r"[^\W\d_]+")
# A Snowball stemmer keeps the word it works on in the object: one per thread
# (the socket server's and the job runner's threads stem at the same time).
_local = threading.local()


@dataclass(frozen=True)
class Token:
    stem: str
    start: int  # character offsets in the text the token came from
    end: int


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    """The Snowball stem of a lowercased word; numbers and "c++"/"c#" stay as they are."""
    if not word.isalpha():
        return word
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return stemmer.stemWord(word)


def tokenize(text: str) -> list[Token]:
    """The stemmed tokens of ``text`` with their character spans."""
    lower = text.lower()
    return [Token(stem(m.group(0)), m.start(), m.end()) for m in _TOKEN_RE.finditer(lower)]


def tokens(text: str) -> list[str]:
    """Lowercased, stemmed word tokens of ``text``."""
    return [t.stem for t in tokenize(text)]


@lru_cache(maxsize=8192)
def phrase_stems(phrase: str) -> tuple[str, ...]:
    """The stems of a rubric phrase or probe, remembered: the same few hundred are
    looked for in every answer and checked against each other on every follow-up."""
    return tuple(tokens(phrase))


def word_set(text: str) -> frozenset[str]:
    """The space-separated words of ``text`` as a set (word lists kept readable)."""
    return frozenset(text.split())


def words(text: str) -> list[str]:
    """Lowercased words of any alphabet (accents kept), for function-word counts."""
    return [w.lower() for w in _WORD_RE.findall(text)]


# ---------------------------------------------------------------------------
# Negation scope
#
# A rubric concept named inside a negated clause does not count: "I would
# never bother with indexes or caching" names two concepts and earns neither.
# The rule, in order:
#
# * Clauses end at . ! ? ; : and dashes, at "but", "instead", "however",
#   "rather", "whereas", "while", "although", and at a comma followed by a new
#   subject ("..., I would ...", "..., which ..."). A plain comma does not end
#   a clause, so the whole list in "never X, Y or Z" is negated.
# * A dismissive cue negates the rest of its clause: not, never, no need, no
#   point, don't/doesn't/won't/wouldn't/shouldn't/isn't/aren't/can't (also
#   written without the apostrophe), unnecessary, pointless, overkill.
# * "is/are not" followed by a dismissal ("... are not needed", "is not a
#   real problem", "are not something I would worry about", "isn't worth
#   it") negates the clause before it too: "indexes are not needed" dismisses
#   indexes, while "a set is not ordered" states a fact and keeps "set".
# * "without", "no" and "skip" negate only the next three words ("without an
#   index, the database scans" keeps "the database scans").
# * A clause that explains a consequence or a condition is not a dismissal
#   even with a cue in it: one that starts with (or has before the cue) if,
#   unless, when, so, so that, because, since, otherwise, that, which,
#   else ("so you don't hit the database per row", "if you don't add an index
#   every query scans the table" are explanations and count).
# * "avoid", "prevent", "reduce" and "stop" are NOT cues: "avoid N+1 queries"
#   and "prevent race conditions" name correct practices.
#
# A mention is negated when it starts inside a negated range, so a rubric
# synonym that itself holds the cue ("cannot be changed") still counts.

_CLAUSE_BREAK_RE = re.compile(
    r"[.!?;:]+(?=\s|$)|\s[-–—]+\s|\n+|"
    r",(?=\s+(?:i|we|you|it|they|this|that|which|so|then|but|because|instead)\b)|"
    r"\b(?:but|instead|however|rather|whereas|while|although)\b",
    re.IGNORECASE,
)
_CLAUSE_CUE_RE = re.compile(
    r"\b(?:not|never|no\s+need|no\s+point|nothing|"
    r"(?:do|does|did|wo|would|should|could|is|are|was|were|ca|must|need)n[’']?t|cannot|"
    r"unnecessary|pointless|overkill|useless)\b",
    re.IGNORECASE,
)
_DISMISSAL_RE = re.compile(
    r"^\s*(?:really\s+|actually\s+)?(?:needed|necessary|required|important|relevant|useful|worth|"
    r"an?\s+(?:real\s+|big\s+)?(?:problem|issue|concern|thing)|something\s+(?:i|we|you)|a\s+concern)\b",
    re.IGNORECASE,
)
_COPULA_RE = re.compile(r"(?:\b(?:is|are|was|were)\s+not|\b(?:is|are|was|were)n[’']?t)\s*$", re.IGNORECASE)
_SHORT_CUE_RE = re.compile(r"\b(?:without|no|skip|skipping)\b", re.IGNORECASE)
_EXPLAINING_RE = re.compile(
    r"\b(?:if|unless|when|whenever|so|because|since|otherwise|that|which|else|until|or\s+else)\b",
    re.IGNORECASE,
)
SHORT_SCOPE_WORDS = 3


def _clauses(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE_BREAK_RE.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def negated_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of ``text`` under a dismissive negation (rule above)."""
    spans: list[tuple[int, int]] = []
    for start, end in _clauses(text):
        clause = text[start:end]
        for m in _CLAUSE_CUE_RE.finditer(clause):
            if _EXPLAINING_RE.search(clause[: m.start()]):
                break
            # A dismissal after the cue reaches back to the clause's start.
            back = _DISMISSAL_RE.match(clause[m.end() :]) and _COPULA_RE.search(clause[: m.end()])
            begin = start if back else start + m.end()
            spans.append((begin, end))
            break
        for m in _SHORT_CUE_RE.finditer(clause):
            if _EXPLAINING_RE.search(clause[: m.start()]):
                continue
            after = list(_TOKEN_RE.finditer(clause.lower(), m.end()))[:SHORT_SCOPE_WORDS]
            if after:
                spans.append((start + m.end(), start + after[-1].end()))
    return spans


def inside(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """True when [start, end) overlaps one of ``spans``."""
    return any(s < end and start < e for s, e in spans)


def starts_inside(spans: Sequence[tuple[int, int]], start: int) -> bool:
    """True when ``start`` lies in one of ``spans``."""
    return any(s <= start < e for s, e in spans)


# ---------------------------------------------------------------------------
# Language

# The most frequent function words of each language; "a", "de", "en", "la"
# and friends that several languages share are counted for each.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": word_set(
        "the a an and or of to in on for with is are was were be it this that which "
        "you we i they he she not but if when so because as at by from can would will "
        "should have has do does use used then there their its what how"
    ),
    "es": word_set(
        "el la los las un una y o de del en con por para es son que se su sus lo "
        "como pero cuando porque muy más no sí uno usar usamos cada esta este está "
        "también hay sobre entre sin ya"
    ),
    "de": word_set(
        "der die das den dem des ein eine einen und oder zu im mit für ist sind "
        "nicht aber wenn weil auch wir ich sie es man wird werden auf aus bei dass "
        "nach noch nur sehr so wie kann"
    ),
    "fr": word_set(
        "le la les un une des et ou de du en dans avec pour par est sont que qui "
        "ne pas mais quand parce nous je il elle on ce cette ces son sa ses au aux "
        "plus très comme aussi être avoir"
    ),
    "pt": word_set(
        "o a os as um uma e ou de do da dos das em no na com por para é são que se "
        "seu sua não mas quando porque muito mais como também isso esse essa cada "
        "usar usamos"
    ),
    "it": word_set(
        "il lo la i gli le un una e o di del della in con per è sono che si non ma "
        "quando perché molto più come anche questo questa ogni usare usiamo nel "
        "alla dei delle"
    ),
    "nl": word_set(
        "de het een en of van in met voor is zijn dat die niet maar als omdat ook "
        "wij ik je we ze er op aan bij door naar nog dan wordt worden kan"
    ),
}
LANGUAGE_NAMES = {
    "es": "Spanish",
    "de": "German",
    "fr": "French",
    "pt": "Portuguese",
    "it": "Italian",
    "nl": "Dutch",
}
MIN_LANGUAGE_HITS = 3


def detect_language(text: str) -> str:
    """ "en", or the code of another language the text is mostly written in ("es", "de", ...).

    Counts each language's function words; another language wins only with
    at least ``MIN_LANGUAGE_HITS`` of them and more than English has, so an
    English answer quoting a German error message stays English.
    """
    counts = {code: 0 for code in _STOPWORDS}
    for w in words(text):
        for code, stop in _STOPWORDS.items():
            if w in stop:
                counts[code] += 1
    best = max(sorted(counts), key=lambda code: counts[code])
    if best != "en" and counts[best] >= MIN_LANGUAGE_HITS and counts[best] > counts["en"] * 1.5:
        return best
    return "en"
