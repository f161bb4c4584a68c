"""Signals the offline scorer reads off an answer, beside the rubric concepts.

Each is a plain function of the text, so it can be tested alone:

* :func:`grader_spans` - sentences addressed to a grader or an AI;
* :func:`is_keyword_list` - terms listed without reasoning;
* :func:`echo_spans` - runs of words copied from the question or the follow-up;
* :func:`reasoning` - how much the answer explains (because, so that, trade-off...);
* :func:`elaboration` - how much it says in its own words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from interviews.agents.language import Token, tokenize, word_set, words

# ---------------------------------------------------------------------------
# Text addressed to the grader

_GRADER_RE = re.compile(
    r"\b(?:grader|graders|evaluator|assessor|scorer|examiner|marker)\b|"
    r"\bignore\s+(?:all\s+|any\s+)?(?:the\s+|your\s+|my\s+)?(?:previous\s+|prior\s+|above\s+|earlier\s+)?(?:instructions|prompts?|rules)\b|"
    r"\b(?:give|award|assign)\s+(?:me\s+|this\s+(?:answer\s+)?|the\s+candidate\s+|them\s+)?"
    r"(?:full|maximum|max|top|perfect|the\s+highest)\s+(?:marks|score|points|rating)\b|"
    r"\b(?:full|maximum|perfect)\s+marks\b|"
    r"\b(?:score|rate|mark|grade)\s+(?:this|me|it)\b|"
    r"\b\d+\s*/\s*(?:5|10|100)\b|"
    r"\bthe\s+candidate\s+(?:has\s+)?(?:covered|explained|demonstrated|mentioned|addressed)\b|"
    r"\b(?:dear|hey|hi|hello|note\s+to(?:\s+the)?|attention)\s+(?:ai|llm|model|assistant|chatgpt|grader|reviewer)\b|"
    r"\b(?:as\s+an?\s+)?(?:ai|llm|language\s+model)\s+(?:grader|evaluator|assessor|reviewer|you\s+(?:must|should))\b|"
    r"\b(?:system\s+prompt|you\s+are\s+an?\s+(?:ai|assistant|grader|evaluator))\b",
    re.IGNORECASE,
)
_SENTENCE_RE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def grader_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of the sentences in ``text`` that speak to a grader or an AI."""
    return [(m.start(), m.end()) for m in _SENTENCE_RE.finditer(text) if _GRADER_RE.search(m.group(0))]


# ---------------------------------------------------------------------------
# Keyword lists

# Words that glue an explanation together; a list of terms has almost none.
FUNCTION_WORDS = word_set(
    "the a an and or of to in on for with is are was were be been being it its this that these "
    "those which who what when where why how you we i they he she my our your their not but if "
    "so because as at by from into than then there can could would will should may might must "
    "do does did have has had use uses used using make makes get gets let lets keep keeps "
    "since while until unless each every all any only just also too very more most less"
)
_LIST_SPLIT_RE = re.compile(r"[,;\n|•·]+|\s[-/]\s|\band\b", re.IGNORECASE)
KEYWORD_LIST_MAX_FUNCTION_SHARE = 0.15
KEYWORD_LIST_MIN_ITEMS = 3
BARE_LIST_WORDS = 8
LINE_ITEM_WORDS = 5
BARE_LIST_MAX_FUNCTION_SHARE = 0.05


def is_keyword_list(text: str) -> bool:
    """True when ``text`` lists terms instead of explaining them.

    From four words on, with fewer than two distinct explanation markers
    (:func:`reasoning`): under 15 % function words in at least three items
    separated by commas, semicolons, slashes, line breaks or "and"; or, from
    eight words on, almost no function words at all (under 5 %); or three or
    more lines of at most five words without a full stop. Short plain
    sentences ("Kubernetes runs containers and Services expose them.") are
    not lists: they have too few items or enough glue words.
    """
    ws = words(text)
    if len(ws) < 4 or reasoning(text) >= 2 / REASONING_FULL:
        return False
    share = sum(1 for w in ws if w in FUNCTION_WORDS) / len(ws)
    if len(ws) >= BARE_LIST_WORDS and share < BARE_LIST_MAX_FUNCTION_SHARE:
        return True
    lines = [line.strip(" -*•\t") for line in text.splitlines() if words(line)]
    if len(lines) >= KEYWORD_LIST_MIN_ITEMS and all(
        len(words(line)) <= LINE_ITEM_WORDS and not line.endswith((".", "!", "?")) for line in lines
    ):
        return True
    items = [i for i in _LIST_SPLIT_RE.split(text) if words(i)]
    return len(items) >= KEYWORD_LIST_MIN_ITEMS and share < KEYWORD_LIST_MAX_FUNCTION_SHARE


SERIES_CONCEPTS = 3  # this many concepts named in a row, with nothing between them, is a list
_GAP_RE = re.compile(r"^[\s,;/&|()]*$")


def longest_series(text: str, occurrences: Sequence[tuple[int, int, str]]) -> int:
    """The most distinct concepts ``text`` names in a row with only separators and function words between.

    ``occurrences`` are (start, end, concept) of every mention. "I would rely
    on A, B, C and D, which I have used for years" names four in a row: a
    keyword list dressed as a sentence. "Merge adds a merge commit; rebase
    replays commits" has words of its own between them.
    """
    best, run, last_end = 0, set(), -1
    for start, end, name in sorted(occurrences, key=lambda o: (o[0], -o[1])):
        if start < last_end:
            last_end = max(last_end, end)
            continue  # overlapping mentions are one phrase, not a series
        if last_end >= 0 and not _separates(text[last_end:start]):
            run = set()
        run.add(name)
        best = max(best, len(run))
        last_end = end
    return best


def _separates(gap: str) -> bool:
    # Only a list separator (comma, semicolon, slash, "and", "or") and
    # function words between two mentions.
    words = gap.replace(",", " , ").split()
    content = " ".join(w for w in words if w.lower() not in FUNCTION_WORDS)
    return bool(_GAP_RE.match(content)) and any(w in {",", ";", "/", "&", "|", "and", "or"} for w in words)


# ---------------------------------------------------------------------------
# Words copied from the question

ECHO_RUN = 4  # this many stemmed tokens in a row, as in the question, is a copy


def echo_spans(answer_tokens: list[Token], source: str) -> list[tuple[int, int]]:
    """Character ranges of ``answer_tokens`` that repeat ``ECHO_RUN`` or more tokens of ``source``."""
    src = [t.stem for t in tokenize(source)]
    grams = {tuple(src[i : i + ECHO_RUN]) for i in range(len(src) - ECHO_RUN + 1)}
    stems = [t.stem for t in answer_tokens]
    spans: list[tuple[int, int]] = []
    for i in range(len(stems) - ECHO_RUN + 1):
        if tuple(stems[i : i + ECHO_RUN]) in grams:
            spans.append((answer_tokens[i].start, answer_tokens[i + ECHO_RUN - 1].end))
    return spans


OWN_WORDS = 4  # content words of its own a sentence needs to use a term the question named


def contains(haystack: Sequence[str], phrase: Sequence[str]) -> bool:
    """Whether the stems ``phrase`` occur in a row in ``haystack``."""
    n = len(phrase)
    if n == 0 or phrase[0] not in haystack:
        return False
    wanted = list(phrase)
    return any(list(haystack[i : i + n]) == wanted for i in range(len(haystack) - n + 1))


def parrots(phrase: Sequence[str], sentence: Sequence[Token], source: Sequence[str]) -> bool:
    """True when ``phrase`` was named by the question (``source`` stems) and ``sentence`` adds too little.

    The follow-up names the missing topics; saying them back ("I'd approach
    caching and indexes here") is not covering them. A sentence that uses a
    term the question named counts only with ``OWN_WORDS`` content words of
    its own, not in the question and not function words.
    """
    if not contains(source, phrase):
        return False
    known = set(source)
    own = {
        t.stem for t in sentence if t.stem not in known and t.stem not in FUNCTION_WORDS and len(t.stem) > 2
    }
    return len(own) < OWN_WORDS


# ---------------------------------------------------------------------------
# Reasoning and elaboration

_REASONING_RE = re.compile(
    r"\b(?:because|since|so\s+that|so|which\s+means|that\s+means|meaning|therefore|thus|hence|"
    r"trade[\s-]?offs?|instead|rather\s+than|whereas|while|unless|otherwise|if|when|whenever|"
    r"for\s+example|for\s+instance|e\.g|such\s+as|depends\s+on|at\s+the\s+cost\s+of|"
    r"the\s+downside|the\s+upside|compared\s+to|then|until|only\s+when|first|after)\b",
    re.IGNORECASE,
)
REASONING_FULL = 5  # distinct markers for the full reasoning share
ELABORATION_FULL_WORDS = 45  # content words for the full elaboration share


def reasoning(text: str) -> float:
    """0..1: distinct explanation markers in ``text`` over ``REASONING_FULL``."""
    found = {re.sub(r"\s+", " ", m.group(0).lower()) for m in _REASONING_RE.finditer(text)}
    return min(1.0, len(found) / REASONING_FULL)


def elaboration(text: str) -> float:
    """0..1: distinct content words (not function words) over ``ELABORATION_FULL_WORDS``."""
    content = {w for w in words(text) if w not in FUNCTION_WORDS and len(w) > 2}
    return min(1.0, len(content) / ELABORATION_FULL_WORDS)
