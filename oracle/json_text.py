"""A strict reader of one JSON text (RFC 8259), written for the oracle alone.

It accepts exactly one JSON value with optional JSON whitespace (space, tab, line feed,
carriage return) around it and nothing after it, and refuses what lenient readers let
through: repeated keys in one object (compared after unescaping), `NaN`/`Infinity` tokens,
escapes that leave a lone UTF-16 surrogate, raw control characters in strings, and nesting
deeper than `MAX_DEPTH` (the limit Spark's JSON reader applies). Numbers are kept as the
exact text of their token (`Number`), never converted through a float.

The parser is iterative, so how deep the caller's stack already is never changes a verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DEPTH = 1000
"""The most arrays and objects one value may be nested in (Jackson's default, which Spark's
`parse_json` applies: 1000 levels are read, 1001 are refused)."""
MAX_NUMBER_DIGITS = 1000
"""The most digits one number token may have (Jackson's default maxNumberLength, which Spark
applies), counted as Jackson counts them: the digits of the integer part (none for a lone `0`
unless both a fraction and an exponent follow), of the fraction and of the exponent."""
MAX_KEY_UNITS = 50_000
"""The longest object key, in UTF-16 code units after unescaping (Jackson's maxNameLength)."""


class JsonError(ValueError):
    """The text is not one strict JSON text; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Number:
    """A JSON number exactly as written, e.g. `12.50` or `1e-3` (the token, unconverted)."""

    token: str


_WS = r"[ \t\n\r]*"
_STRING_BODY = r'[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*'
_NUMBER_SYNTAX = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_WHITESPACE = re.compile(_WS)
_NUMBER_PARTS = re.compile(r"-?(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE][+-]?([0-9]+))?")
_STRING = re.compile(f'"({_STRING_BODY})"')
_NUMBER = re.compile(_NUMBER_SYNTAX)
# A fast path for the usual record, an object of scalars: if the whole text has this shape,
# its members are read in one pass; anything else goes through the general parser.
_SCALAR = f'(?:"{_STRING_BODY}"|{_NUMBER_SYNTAX}|true|false|null)'
_MEMBER = f'{_WS}"{_STRING_BODY}"{_WS}:{_WS}{_SCALAR}{_WS}'
_FLAT_OBJECT = re.compile(f"{_WS}\\{{(?:{_MEMBER}(?:,{_MEMBER})*|{_WS})\\}}{_WS}")
_FLAT_MEMBER = re.compile(
    f'[{{,]{_WS}"({_STRING_BODY})"{_WS}:{_WS}'
    f'(?:"({_STRING_BODY})"|({_NUMBER_SYNTAX})|(true)|(false)|null)'
)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(.))")
_SIMPLE_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_SURROGATE = re.compile("[\ud800-\udfff]")
_LITERALS = (("true", True), ("false", False), ("null", None))


def parse_json(text: str) -> object:
    """The value of one strict JSON text: dict, list, str, `Number`, bool or None.

    Raises JsonError for anything that is not exactly one RFC 8259 JSON text (see the module
    docstring for the rules that go beyond the grammar).
    """
    if _FLAT_OBJECT.fullmatch(text):
        return _flat_object(text)
    return _parse_any(text)


def _flat_object(text: str) -> dict:
    """The members of a text `_FLAT_OBJECT` matched (an object whose values are all scalars)."""
    document: dict = {}
    for member in _FLAT_MEMBER.finditer(text):
        key, string, number, true, false = member.groups()
        key = _checked_key(_unescape(key, member.start()) if "\\" in key else key)
        if key in document:
            raise JsonError(f"key {key!r} repeated in one object")
        if string is not None:
            value = _unescape(string, member.start()) if "\\" in string else string
        elif number is not None:
            value = _number(number)
        else:
            value = True if true else False if false else None
        document[key] = value
    return document


def _parse_any(text: str) -> object:
    """The value of any JSON text, by an iterative parser (see `parse_json`)."""
    containers: list[dict | list] = []  # the open arrays and objects, outermost first
    keys: list[str] = []  # the key waiting for its value, one per open object
    position = _skip(text, 0)
    while True:
        # A value starts at `position`.
        value, position, opened = _value(text, position, len(containers))
        if opened is not None:
            containers.append(opened)
            position = _skip(text, position)
            closer = "}" if isinstance(opened, dict) else "]"
            if not text.startswith(closer, position):
                if isinstance(opened, dict):
                    key, position = _key(text, position)
                    keys.append(key)
                continue  # read the first member or element
            containers.pop()
            value, position = opened, position + 1
        # A whole value ends before `position`: put it in its container, then see what follows.
        while True:
            position = _skip(text, position)
            if not containers:
                if position != len(text):
                    raise JsonError(f"data after the JSON text at character {position}")
                return value
            parent = containers[-1]
            if isinstance(parent, dict):
                if keys[-1] in parent:
                    raise JsonError(f"key {keys[-1]!r} repeated in one object")
                parent[keys[-1]] = value
                closer = "}"
            else:
                parent.append(value)
                closer = "]"
            if text.startswith(",", position):
                position = _skip(text, position + 1)
                if isinstance(parent, dict):
                    keys[-1], position = _key(text, position)
                break  # read the next member or element
            if not text.startswith(closer, position):
                raise JsonError(f"expected ',' or {closer!r} at character {position}")
            if isinstance(parent, dict):
                keys.pop()
            value, position = containers.pop(), position + 1


def _skip(text: str, position: int) -> int:
    """The position after any JSON whitespace at `position`."""
    return _WHITESPACE.match(text, position).end()


def _value(text: str, position: int, depth: int) -> tuple[object, int, dict | list | None]:
    """A scalar at `position` and the position after it, or a container it opens (empty, still
    to be filled) and the position after its opening bracket."""
    char = text[position : position + 1]
    if char in ("{", "["):
        if depth >= MAX_DEPTH:
            raise JsonError(f"nested deeper than {MAX_DEPTH} levels")
        return None, position + 1, {} if char == "{" else []
    if char == '"':
        string, position = _string(text, position)
        return string, position, None
    number = _NUMBER.match(text, position)
    if number:
        return _number(number.group()), number.end(), None
    for word, literal in _LITERALS:
        if text.startswith(word, position):
            return literal, position + len(word), None
    raise JsonError(f"no JSON value at character {position}")


def _key(text: str, position: int) -> tuple[str, int]:
    """An object's key at `position` and the position of its value (after the colon)."""
    if not text.startswith('"', position):
        raise JsonError(f"expected a key at character {position}")
    key, position = _string(text, position)
    _checked_key(key)
    position = _skip(text, position)
    if not text.startswith(":", position):
        raise JsonError(f"expected ':' at character {position}")
    return key, _skip(text, position + 1)


def _string(text: str, position: int) -> tuple[str, int]:
    """The string whose opening quote is at `position`, unescaped, and the position after it."""
    match = _STRING.match(text, position)
    if not match:
        raise JsonError(f"malformed string at character {position}")
    body = match.group(1)
    return (_unescape(body, position) if "\\" in body else body), match.end()


def _unescape(body: str, position: int) -> str:
    """A string's body (between its quotes) with its escapes replaced by what they stand for."""
    body = _ESCAPE.sub(_unescape_one, body)
    if _SURROGATE.search(body):
        # Escaped surrogates must pair up (high then low) into one character.
        try:
            body = body.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        except UnicodeDecodeError:
            raise JsonError(f"lone surrogate escape in the string at {position}") from None
    return body


def _unescape_one(match: re.Match[str]) -> str:
    code = match.group(1)
    return chr(int(code, 16)) if code is not None else _SIMPLE_ESCAPES[match.group(2)]


def _number(token: str) -> Number:
    """The token as a Number; JsonError past `MAX_NUMBER_DIGITS`."""
    integer, fraction, exponent = _NUMBER_PARTS.fullmatch(token).groups()
    counted = 0 if integer == "0" and not (fraction and exponent) else len(integer)
    counted += len(fraction or "") + len(exponent or "")
    if counted > MAX_NUMBER_DIGITS:
        raise JsonError(f"a number of {counted} digits (at most {MAX_NUMBER_DIGITS})")
    return Number(token)


def _checked_key(key: str) -> str:
    """The key; JsonError when it is longer than `MAX_KEY_UNITS` UTF-16 code units."""
    units = len(key.encode("utf-16-le", "surrogatepass")) // 2
    if units > MAX_KEY_UNITS:
        raise JsonError(f"a key of {units} UTF-16 units (at most {MAX_KEY_UNITS})")
    return key
