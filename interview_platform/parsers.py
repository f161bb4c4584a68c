"""Request bodies a hostile client cannot use to break the server.

JSON is parsed with a nesting limit (deep nesting would exhaust the parser's
recursion and answer 500), and every string is checked for characters the
database refuses to store: PostgreSQL text cannot hold NUL, and no UTF-8 text
can hold a lone surrogate, which JSON's \\u escapes can spell. Both are refused
with a 400 that names the field, before any view sees the data. The same
checks serve the candidate's socket, whose frames are JSON too.
"""

from __future__ import annotations

import json
import re

from rest_framework import exceptions, parsers
from rest_framework.utils.json import strict_constant

MAX_DEPTH = 20

# NUL, and lone surrogates (U+D800–U+DFFF), which cannot be encoded as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

_DEPTH_MESSAGE = f"The JSON is nested more than {MAX_DEPTH} levels deep."
_CHARACTER_MESSAGE = "Contains a character that cannot be stored (NUL or an unpaired surrogate)."


class InputProblem(ValueError):
    """Input no handler may see; ``field`` is the dotted path to it ("" for the whole body)."""

    def __init__(self, message: str, field: str = "", code: str = "invalid_json"):
        super().__init__(message)
        self.message, self.field, self.code = message, field, code


def unstorable(text: str) -> bool:
    return bool(_UNSTORABLE.search(text))


def load(text: str | bytes):
    """json.loads with a depth limit; raises InputProblem for bad JSON, deep nesting or bad characters."""
    try:
        # NaN and Infinity are not JSON; DRF's parser refuses them too.
        data = json.loads(text, parse_constant=strict_constant)
    except RecursionError:
        raise InputProblem(_DEPTH_MESSAGE, code="too_deep") from None
    except ValueError as exc:
        raise InputProblem(f"The body is not valid JSON: {exc}.") from None
    check(data)
    return data


def check(data) -> None:
    """Walk the parsed value without recursion: depth, then characters, field by field."""
    stack = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise InputProblem(_DEPTH_MESSAGE, code="too_deep")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                child = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and unstorable(key):
                    raise InputProblem(_CHARACTER_MESSAGE, path or "body", code="invalid_characters")
                stack.append((item, child, depth + 1))
        elif isinstance(value, str) and unstorable(value):
            raise InputProblem(_CHARACTER_MESSAGE, path or "body", code="invalid_characters")


class SafeJSONParser(parsers.JSONParser):
    """DRF's JSON parser with the checks above; problems are the API's usual 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError:
            raise exceptions.ParseError(f"The body is not valid {encoding} text.") from None
        try:
            return load(text)
        except InputProblem as problem:
            if problem.field:
                raise exceptions.ValidationError({problem.field: [problem.message]}) from None
            raise exceptions.ParseError(problem.message) from None
