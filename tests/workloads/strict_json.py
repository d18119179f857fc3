"""A strict RFC 8259 reader for tests: what our producer encodes must pass it."""

from __future__ import annotations

import json


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _no_repeats(pairs: list[tuple[str, object]]) -> dict:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"repeated key in {keys}")
    return dict(pairs)


def _strings(item: object):
    if isinstance(item, str):
        yield item
    elif isinstance(item, dict):
        for key, value in item.items():
            yield key
            yield from _strings(value)
    elif isinstance(item, list):
        for value in item:
            yield from _strings(value)


def strict_loads(value: bytes) -> object:
    """The JSON document in `value`, or ValueError: not UTF-8, NaN/Infinity, repeated keys,
    lone surrogate escapes, or anything Python's reader refuses (trailing content, ...)."""
    document = json.loads(
        value.decode("utf-8"), parse_constant=_no_constant, object_pairs_hook=_no_repeats
    )
    for text in _strings(document):
        text.encode("utf-8")  # a lone surrogate (only an escape can make one) raises here
    return document
