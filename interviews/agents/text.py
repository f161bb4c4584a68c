"""Small text helpers the engines share: alias keys, phrase patterns, stable hashes, readable lists."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence


def alias_key(text: str) -> str:
    # "React.js", "react js" and "ReactJS" all become "reactjs"; "+" and "#"
    # stay because they tell C, C++ and C# apart.
    return re.sub(r"[^a-z0-9+#]", "", text.lower())


def phrase_pattern(phrase: str, *, case_sensitive: bool = False) -> re.Pattern[str]:
    # Word boundaries that also treat "." as part of a name, so "js" is not
    # found inside "next.js" and "net" is not ".net"; a plural "s"/"es" is
    # allowed ("REST APIs"). Case-insensitive patterns expect lowercased text.
    text = phrase if case_sensitive else phrase.lower()
    return re.compile(r"(?<![\w.])" + re.escape(text) + r"(?:e?s)?(?![\w+#]|\.\w)")


def stable_int(*parts: object) -> int:
    """A number from ``parts`` that is the same in every process (unlike ``hash()``)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def join_topics(names: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def count_phrase(n: int, what: str) -> str:
    """ "one question", "3 questions"."""
    return f"{'one' if n == 1 else n} {what}{'' if n == 1 else 's'}"
