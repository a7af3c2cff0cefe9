"""The page's compact encoding of data (no folium, no HTML): columns as small integer codes and
their labels, coordinates as base-85 varint deltas, text NUL-joined, the whole spec deflated in
blocks on every core. :mod:`maps.html` encodes its layers with these; ``maps/web/sxmap.js`` decodes.
"""

from __future__ import annotations

import base64
import math

import numpy as np


def _b64(array, dtype) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def _code_type(n: int) -> tuple[str, str]:
    if n <= 256:
        return "u8", "<u1"
    if n <= 65536:
        return "u16", "<u2"
    return "u32", "<u4"


def _factorize(values) -> tuple[np.ndarray, list]:
    """Codes and distinct values (in order of first appearance) of a text column, through Arrow
    (no Python loop over the rows). A long column that a fixed sample shows to be nearly all
    distinct (names) comes back as itself, an Arrow string array, with codes 0…n−1."""
    import pyarrow.compute as pc

    text = _arrow_text(values)
    n = len(text)
    if n > 100_000:  # names and the like, nearly all distinct: no hashing
        sample = text.take(np.arange(0, n, n // 2000))
        if len(pc.unique(sample)) >= 0.9 * len(sample):
            return np.arange(n, dtype=np.int64), text
    encoded = text.dictionary_encode()
    return (np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64),
            encoded.dictionary.to_pylist())


def _arrow_text(values):
    """A text column (Arrow, a pandas Series or a list) as one Arrow large-string array, "" for missing."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        text = values
    elif isinstance(values, pd.Series):
        values = values.astype("str")
        text = pa.array(values.array, from_pandas=True)
    else:
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    text = text.cast(pa.large_string())
    return pc.fill_null(text, "") if text.null_count else text


def _codes_and_labels(codes, label):
    """Factorise integer codes (first appearance first) and label each distinct one."""
    import pandas as pd

    factor, distinct = pd.factorize(np.asarray(codes, dtype=np.int64), sort=False)
    return np.asarray(factor, dtype=np.int64), [label(int(c)) for c in distinct]


def encode_columns(columns: dict, plain_ok=None) -> tuple[dict, list]:
    """Text columns for the page, compactly.

    Parameters
    ----------
    columns : dict
        ``{key: (codes, distinct values)}`` (see :func:`_factorize`).
    plain_ok : collection of str, optional
        Keys that may be written as plain lists (default: all). Columns whose codes the page
        uses (colours, sizes) must stay dictionary-encoded.

    Returns
    -------
    plain : dict
        ``{key: {"v": [...]}}`` for columns that are mostly distinct (e.g. names): a plain list.
    packs : list of dict
        The other columns, dictionary-encoded and packed several to an integer (mixed radix):
        ``{"c": base64, "t": "u8"|"u16"|"u32", "cols": [{"key", "d": distinct values, "s": stride}]}``.
        A value is ``d[floor(code / s) % len(d)]``.
    """
    plain, packable = {}, []
    for key, (codes, uniques) in columns.items():
        n = len(codes)
        if n > 16 and len(uniques) > 0.5 * n and (plain_ok is None or key in plain_ok):
            identity = len(uniques) == n and (n == 0 or (codes[0] == 0 and (np.diff(codes) == 1).all()))
            if identity:
                plain[key] = {"v": uniques}
            elif isinstance(uniques, list):
                plain[key] = {"v": np.asarray(uniques, dtype=object)[codes].tolist()}
            else:  # Arrow (see _factorize)
                plain[key] = {"v": uniques.take(np.asarray(codes))}
        else:
            packable.append((key, codes, _as_list(uniques)))
    packable.sort(key=lambda item: -len(item[2]))
    groups: list[list] = []
    for item in packable:
        card = max(len(item[2]), 1)
        for group in groups:
            product = math.prod(max(len(g[2]), 1) for g in group)
            if product * card <= 2 ** 32:
                group.append(item)
                break
        else:
            groups.append([item])
    packs = []
    for group in groups:
        total = np.zeros(len(group[0][1]), dtype=np.uint64)
        stride, cols = 1, []
        for key, codes, uniques in group:
            total += codes.astype(np.uint64) * np.uint64(stride)
            cols.append({"key": key, "d": uniques, "s": stride})
            stride *= max(len(uniques), 1)
        t, dtype = _code_type(stride)
        packs.append({"c": _b64(total, dtype), "t": t, "cols": cols})
    return plain, packs


def _as_list(values) -> list:
    """Distinct values as a list (from an Arrow array too)."""
    return values if isinstance(values, list) else values.to_pylist()


def _encode_axis(values) -> dict:
    """Non-negative integer offsets as 3-byte (when they fit) or 4-byte little-endian, base64."""
    values = np.asarray(values, dtype=np.int64)
    if values.size and values.max() >= 2 ** 24:
        return {"b": 4, "c": _b64(values, "<u4")}
    raw = np.ascontiguousarray(values, dtype="<u4").view(np.uint8).reshape(-1, 4)[:, :3]
    return {"b": 3, "c": base64.b64encode(raw.tobytes()).decode("ascii")}


def _varint(values) -> bytes:
    """Non-negative integers as LEB128 (7 bits a byte, high bit = more follows)."""
    v = np.asarray(values, dtype=np.uint64)
    nbytes = np.ones(v.size, dtype=np.int64)
    rest = v >> np.uint64(7)
    while (rest > 0).any():
        nbytes += rest > 0
        rest >>= np.uint64(7)
    out = np.empty(int(nbytes.sum()), dtype=np.uint8)
    starts = np.cumsum(nbytes) - nbytes
    rem = v.copy()
    for k in range(int(nbytes.max()) if v.size else 0):
        sel = nbytes > k
        more = (nbytes[sel] > k + 1).astype(np.uint8) << 7
        out[starts[sel] + k] = (rem[sel] & np.uint64(127)).astype(np.uint8) | more
        rem[sel] >>= np.uint64(7)
    return out.tobytes()


#: Base-85 digits for compressed data inside a JSON string in a <script>: printable ASCII without
#: " & ' < > \\ ` { (5 characters for 4 bytes: 6 % smaller than base64, nothing to escape, no
#: Jinja tag).
B85 = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in "\"&'<>\\`{")[:85]


def _b85(data: bytes) -> str:
    """``data`` (padded with zeros to a multiple of 4 bytes) in :data:`B85` digits, big-endian."""
    padded = data + b"\0" * ((-len(data)) % 4)
    values = np.frombuffer(padded, dtype=">u4").astype(np.uint64)
    digits = np.empty((values.size, 5), dtype=np.uint8)
    for k in range(4, -1, -1):
        digits[:, k] = (values % np.uint64(85)).astype(np.uint8)
        values //= np.uint64(85)
    alphabet = np.frombuffer(B85.encode("ascii"), dtype=np.uint8)
    return alphabet[digits.reshape(-1)].tobytes().decode("ascii")


def _planes(raw: bytes, width: int) -> bytes:
    """Bytes of ``width``-byte integers regrouped by position (all low bytes, then the next …):
    the high bytes, often alike, then compress far better."""
    if width <= 1 or not raw:
        return raw
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, width).T.tobytes()


def _compress_spec(spec, yi) -> None:
    """Move the per-project arrays and text of ``spec`` into one raw-deflate blob (``spec["z"]``,
    in :data:`B85` digits; ``spec["zparts"]`` says where each part lies, 4-byte aligned).
    Latitudes (sorted) go as LEB128 steps, longitudes and packed codes as byte planes
    (:func:`_planes`), text columns as UTF-8 joined by NUL. Deterministic: zlib at level 6 (level 9
    took 12× longer on a million names for 2 % less), in blocks on every core
    (:func:`deflate_in_blocks`)."""

    blob, parts = bytearray(), []

    def add(raw: bytes, target):
        blob.extend(b"\0" * ((-len(blob)) % 4))
        parts.append({"at": len(blob), "n": len(raw), "to": target})
        blob.extend(raw)

    add(_planes(base64.b64decode(spec["x"]["c"]), spec["x"]["b"]), ["x", spec["x"]["b"]])
    spec["x"]["c"] = None
    add(_varint(np.diff(np.asarray(yi, dtype=np.int64), prepend=0)), ["y"])
    spec["y"] = {"b": "v", "c": None, "n": int(len(yi))}
    for k, pack in enumerate(spec["packs"]):
        add(_planes(base64.b64decode(pack["c"]), {"u8": 1, "u16": 2, "u32": 4}[pack["t"]]), ["packs", k,
                                                                                         {"u8": 1, "u16": 2, "u32": 4}[pack["t"]]])
        pack["c"] = None
    add(base64.b64decode(spec["located"]["c"]), ["located"])
    spec["located"]["c"] = None
    for key, column in spec["plain"].items():
        add(_nul_joined(column["v"]), ["plain", key])
        column["v"] = None
    packed = deflate_in_blocks(bytes(blob))
    spec["z"] = _b85(packed)
    spec["zbytes"] = len(packed)
    spec["zparts"] = parts


def _nul_joined(values) -> bytes:
    """Text values as UTF-8 joined by NUL (a NUL inside a value is removed), through Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = _arrow_text(values)
    if pc.any(pc.match_substring(text, "\0")).as_py():
        text = pc.replace_substring(text, "\0", "")
    if not len(text):
        return b""
    one = pa.LargeListArray.from_arrays(pa.array([0, len(text)], type=pa.int64()), text)
    return pc.binary_join(one, pa.scalar("\0", pa.large_string()))[0].as_buffer().to_pybytes()


DEFLATE_BLOCK = 1 << 22  # bytes compressed apart (4 MiB: a fraction of a per cent larger than one stream)


def deflate_in_blocks(data: bytes, level: int = 6) -> bytes:
    """``data`` as one raw-deflate stream, compressed in blocks of :data:`DEFLATE_BLOCK` bytes on
    every core, as pigz does: each block but the last ends with a sync flush (a byte boundary, not
    final) and is primed with the 32 KiB before it, so the blocks join into one stream that any
    inflater (the browser's ``DecompressionStream("deflate-raw")``) reads whole. The blocks do not
    depend on the number of cores: the output is the same on every machine."""
    import zlib

    from sxmap.geo.parallel import map_on_cores

    starts = list(range(0, len(data), DEFLATE_BLOCK)) or [0]
    view = memoryview(data)

    def block(start):
        window = bytes(view[max(0, start - 32768): start])
        packer = zlib.compressobj(level, zlib.DEFLATED, -15, zdict=window) if window else \
            zlib.compressobj(level, zlib.DEFLATED, -15)
        last = start == starts[-1]
        return packer.compress(view[start: start + DEFLATE_BLOCK]) + packer.flush(
            zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)

    return b"".join(map_on_cores(block, starts))
