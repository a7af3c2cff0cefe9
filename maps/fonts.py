"""A Chinese (CJK) font for matplotlib: find it, register it, and set the output formats up for it.

matplotlib's bundled DejaVu Sans has no Chinese glyphs: without a CJK font every 越城区 comes out
as empty boxes ("tofu") with a missing-glyph warning. :func:`cjk_font` finds a font, registers it
with ``matplotlib.font_manager.fontManager`` and returns a :class:`CJKFont` whose
:meth:`~CJKFont.rc` gives the rcParams to draw with (see :func:`font_context`).

Where the font comes from, in order:

1. an explicit path (``--font PATH`` on the command line, ``path=`` here);
2. the environment variable ``SXMAP_FONT``;
3. Noto Sans CJK from the usual system locations — Debian/Ubuntu's ``fonts-noto-cjk``
   (``/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc``), Fedora's and Arch's
   equivalents;
4. any font fontconfig knows for Chinese (``fc-list :lang=zh``), preferring a Simplified Chinese
   sans-serif.

Otherwise :class:`FontNotFoundError` says what to install.

Output formats
--------------
- PNG: rendered by Agg from the font file.
- SVG: ``svg.fonttype = "none"`` keeps text as ``<text>`` elements (searchable, editable); the
  SVG names the font family, so a viewer without the font substitutes another Chinese font.
- PDF: the font is embedded as a subset, always as a TrueType CID font (Type 42,
  ``pdf.fonttype = 42``: ``/CIDFontType2`` with ``/FontFile2``), which print shops and PDF/A
  checks accept, with a ``/ToUnicode`` map so the Chinese text stays selectable and searchable.
  A TrueType-outline font (``glyf``; most ``.ttf``) is embedded as it is. Noto Sans CJK (and
  Source Han Sans) have CFF outlines: matplotlib's Type 42 writer alone would put CFF data in a
  ``/FontFile2`` stream meant for TrueType (a malformed PDF: poppler warns "Mismatch between
  font type and embedded font file", Acrobat has shown wrong glyphs; matplotlib issue #20870),
  and Type 3 (glyph procedures) is what print shops refuse. So while a PDF is saved,
  :func:`font_context` converts the *subset* matplotlib makes (only the glyphs drawn) from cubic
  CFF to quadratic TrueType outlines with fontTools' cu2qu (within 1 font unit of 1000 per em);
  the widths and glyph order stay as they were.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import typing
from dataclasses import dataclass
from pathlib import Path

from sxmap.geo.errors import SxmapError

#: Environment variable naming a font file to use instead of the system's Noto Sans CJK.
FONT_ENV = "SXMAP_FONT"

#: Where the usual packages put Noto Sans CJK Regular (first found wins).
KNOWN_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian, Ubuntu: fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch: noto-fonts-cjk
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora: google-noto-cjk-fonts
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",  # Fedora 39+
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf",
)

INSTALL_HINT = (
    "install one with: sudo apt-get install fonts-noto-cjk (Debian/Ubuntu; see the README set-up), "
    "or pass --font PATH (or set SXMAP_FONT) to a .ttf, .otf or .ttc file with Chinese glyphs"
)

#: Families that draw Latin letters and symbols a CJK font may lack (matplotlib falls back per glyph).
FALLBACK_FAMILIES = ("DejaVu Sans",)

#: Characters every font used must have: district names, units and the words of the legends.
REQUIRED_TEXT = "绍兴市越城柯桥上虞新昌诸暨嵊州区县投资额亿元数据来源无（）："


class FontNotFoundError(SxmapError):
    """No usable Chinese font was found (or the one named cannot draw Chinese)."""

    exit_code = 1


@dataclass(frozen=True)
class CJKFont:
    """A CJK font registered with matplotlib.

    Attributes
    ----------
    path : pathlib.Path
        The regular font file.
    family : str
        The family name matplotlib knows it by (for a collection, the Simplified Chinese face).
    cff : bool
        True when the outlines are CFF (PostScript), as in Noto Sans CJK; decides the PDF font type.
    bold_path : pathlib.Path or None
        A bold face of the same family, registered too when found beside the regular one.
    """

    path: Path
    family: str
    cff: bool
    bold_path: Path | None = None

    @property
    def pdf_fonttype(self) -> int:
        """42: embedded as TrueType (a CFF font's subset converted, see :func:`font_context`)."""
        return 42

    def rc(self) -> dict:
        """rcParams to draw with this font in PNG, SVG and PDF."""
        return {
            "font.family": [self.family, *FALLBACK_FAMILIES],
            "svg.fonttype": "none",
            "pdf.fonttype": self.pdf_fonttype,
            "ps.fonttype": 3 if self.cff else 42,  # PostScript is not written; its Type 42 path is not converted
            "axes.unicode_minus": False,
            # titles, sources, names and file names are users' text: "US$5亿" is text, not mathtext
            "text.parse_math": False,
        }


def _face_names(path: Path) -> list[str]:
    """Family names of every face in a font file (several in a .ttc collection)."""
    from matplotlib import ft2font

    font = ft2font.FT2Font(str(path))
    names = [font.family_name]
    for index in range(1, font.num_faces):
        names.append(ft2font.FT2Font(str(path), face_index=index).family_name)
    return names


def _pick_family(names: list[str]) -> str:
    """The Simplified Chinese face of a collection (``Noto Sans CJK SC``), else the first sans face."""
    plain = [n for n in names if "mono" not in n.lower()] or names
    for marker in (" SC", "SC", "CN", "Hans", "GB"):
        for name in plain:
            if name.endswith(marker) or f"{marker} " in name:
                return name
    return plain[0]


def _is_cff(path: Path, family: str) -> bool:
    """Whether the face named ``family`` in ``path`` has CFF outlines."""
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() in (".ttc", ".otc"):
        collection = TTCollection(str(path), lazy=True)
        try:
            for font in collection.fonts:
                if family in {record.toUnicode() for record in font["name"].names if record.nameID in (1, 16)}:
                    return "CFF " in font or "CFF2" in font
            font = collection.fonts[0]
            return "CFF " in font or "CFF2" in font
        finally:
            collection.close()
    font = TTFont(str(path), lazy=True)
    try:
        return "CFF " in font or "CFF2" in font
    finally:
        font.close()


def _missing_glyphs(path: Path, family: str) -> str:
    """Characters of :data:`REQUIRED_TEXT` the face ``family`` of ``path`` cannot draw."""
    from matplotlib import ft2font

    font = ft2font.FT2Font(str(path))
    for index in range(font.num_faces):
        face = font if index == 0 else ft2font.FT2Font(str(path), face_index=index)
        if face.family_name == family:
            font = face
            break
    charmap = font.get_charmap()
    return "".join(ch for ch in REQUIRED_TEXT if ord(ch) not in charmap)


def _fc_list_candidates() -> list[Path]:
    """Chinese fonts fontconfig knows, Simplified Chinese sans-serif regular faces first."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return []
    try:
        out = subprocess.run([fc_list, ":lang=zh", "file", "family", "style"], capture_output=True,
                             text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []

    def rank(line: str) -> tuple:
        low = line.lower()
        return ("sc" not in low and "hans" not in low, "serif" in low and "sans" not in low,
                "mono" in low, "regular" not in low, line)

    paths = []
    for line in sorted(out.splitlines(), key=rank):
        file = line.split(":", 1)[0].strip()
        if file and Path(file).suffix.lower() in (".ttf", ".otf", ".ttc", ".otc") and Path(file) not in paths:
            paths.append(Path(file))
    return paths


def find_font(path=None) -> Path:
    """The CJK font file to use (see the module docstring for the order searched).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A font file given by the user; it must exist.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FontNotFoundError
        ``path`` (or ``$SXMAP_FONT``) does not exist, or no Chinese font is installed.
    """
    for given, origin in ((path, "--font"), (os.environ.get(FONT_ENV) or None, FONT_ENV)):
        if given is None:
            continue
        candidate = Path(given).expanduser()
        if not candidate.is_file():
            raise FontNotFoundError(f"{origin}: font file {str(candidate)!r} not found; {INSTALL_HINT}")
        return candidate
    for known in KNOWN_FONT_FILES:
        if Path(known).is_file():
            return Path(known)
    candidates = _fc_list_candidates()
    if candidates:
        return candidates[0]
    raise FontNotFoundError(f"no Chinese (CJK) font found for static maps; {INSTALL_HINT}")


def _bold_sibling(path: Path) -> Path | None:
    if "Regular" not in path.name:
        return None
    bold = path.with_name(path.name.replace("Regular", "Bold"))
    return bold if bold.is_file() else None


@functools.lru_cache(maxsize=None)
def _register(path_text: str) -> CJKFont:
    from matplotlib import font_manager

    path = Path(path_text)
    try:
        names = _face_names(path)
    except (OSError, RuntimeError, ValueError) as exc:
        raise FontNotFoundError(f"{path}: cannot read this font file ({exc}); {INSTALL_HINT}") from None
    family = _pick_family(names)
    missing = _missing_glyphs(path, family)
    if missing:
        raise FontNotFoundError(f"{path}: the font {family!r} has no glyphs for {missing!r} "
                                f"(not a Chinese font); {INSTALL_HINT}")
    font_manager.fontManager.addfont(str(path))
    bold = _bold_sibling(path)
    if bold is not None:
        font_manager.fontManager.addfont(str(bold))
    return CJKFont(path=path, family=family, cff=_is_cff(path, family), bold_path=bold)


def cjk_font(path=None) -> CJKFont:
    """Find a CJK font (see :func:`find_font`), register it with matplotlib and describe it.

    Registration happens once per file and process.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A font file to use instead of the one found.

    Returns
    -------
    CJKFont

    Raises
    ------
    FontNotFoundError
        No font, an unreadable file, or a font without Chinese glyphs.

    Examples
    --------
    >>> font = cjk_font()                     # doctest: +SKIP
    >>> font.family, font.pdf_fonttype        # doctest: +SKIP
    ('Noto Sans CJK SC', 3)
    """
    return _register(str(find_font(path).resolve()))


@contextlib.contextmanager
def font_context(font: CJKFont):
    """A context drawing with ``font`` (use it around building *and* saving): matplotlib's
    ``rc_context``; for a CFF font, PDFs saved inside it embed TrueType outlines (see
    :func:`truetype_subsets`); and a character that no font has (a user's title in N'Ko, say) is
    drawn as the font's empty box without matplotlib's "Glyph … missing" warning for each one."""
    import warnings

    import matplotlib

    with contextlib.ExitStack() as stack:
        stack.enter_context(matplotlib.rc_context(font.rc()))
        if font.cff:
            stack.enter_context(truetype_subsets())
        stack.enter_context(warnings.catch_warnings())
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        yield


def cff_to_truetype(font, max_err: float = 1.0) -> None:
    """Convert a fontTools ``TTFont`` with CFF outlines to TrueType (``glyf``) outlines, in place.

    Cubic curves become quadratic ones within ``max_err`` font units (fontTools' cu2qu); glyph
    order, names, widths and the cmap stay. After fontTools' ``Snippets/otf2ttf.py``.
    """
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    for table in ("CFF ", "CFF2", "VORG"):
        if table in font:
            del font[table]
    for glyph in glyphs.values():
        glyph.recalcBounds(glyf)  # subsets load with recalcBBoxes off: the bounds are ours to set
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for field_name in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                       "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field_name, 0)
    maxp.numGlyphs = len(order)
    maxp.recalc(font)  # points, contours, components from the new glyf (subsets load without recalculation)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


class truetype_subsets:  # noqa: N801 - used as a context manager, like contextlib's
    """While active, the font subsets matplotlib's PDF backend embeds as Type 42 come from
    :func:`glyphs_subset`: TrueType outlines where the font has CFF ones.

    matplotlib subsets through ``matplotlib.backends._backend_pdf_ps.get_glyphs_subset`` (a
    private function, present since 3.5, called as a module attribute): this replaces it, and
    puts it back on exit. Nested use replaces once.
    """

    _depth = 0
    _original = None

    def __enter__(self):
        from matplotlib.backends import _backend_pdf_ps

        cls = type(self)
        if cls._depth == 0:
            cls._original = _backend_pdf_ps.get_glyphs_subset
            # matplotlib ≥ 3.11 subsets by glyph index and yields (font, glyph_index_map); before,
            # by characters, giving the font itself: there, convert what it gives
            modern = hasattr(_backend_pdf_ps, "SubsetResults")
            _backend_pdf_ps.get_glyphs_subset = glyphs_subset if modern else _converting(cls._original)
        cls._depth += 1
        return self

    def __exit__(self, *exc):
        from matplotlib.backends import _backend_pdf_ps

        cls = type(self)
        cls._depth -= 1
        if cls._depth == 0:
            _backend_pdf_ps.get_glyphs_subset = cls._original
        return False


#: Tables a font embedded in a PDF does not need: the PDF places every glyph itself, so the
#: layout tables (GSUB/GPOS …, most of a CJK font's subsetting time) and vertical metrics go,
#: with the tool tables matplotlib drops.
PDF_DROP_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "VORG", "vhea", "vmtx", "DSIG", "FFTM",
                   "PfEd", "BDF", "meta", "MERG", "TSIV", "Zapf", "bdat", "bloc", "cidg", "fdsc", "feat",
                   "fmtx", "fond", "just", "kerx", "ltag", "morx", "trak", "xref")


def _converting(get_glyphs_subset):
    """matplotlib < 3.11's ``get_glyphs_subset(fontfile, characters)`` (a ``TTFont``), its
    result given TrueType outlines."""

    def wrapped(fontfile, characters):
        font = get_glyphs_subset(fontfile, characters)
        if "CFF " in font or "CFF2" in font:
            cff_to_truetype(font)
        return font

    return wrapped


class _SubsetResult(typing.NamedTuple):
    """What matplotlib's PDF backend reads of a subset: the font and old → new glyph indices."""

    font: object
    glyph_index_map: dict


def glyphs_subset(fontfile, glyphs):
    """A context manager giving the subset of ``fontfile`` (a path; ``face_index`` of a
    collection honoured) to ``glyphs`` (glyph indices), as matplotlib's ``get_glyphs_subset``
    does, but without layout tables and with TrueType outlines (:func:`cff_to_truetype`)."""
    import contextlib

    from fontTools import subset

    @contextlib.contextmanager
    def context():
        options = subset.Options(glyph_names=True, recommended_glyphs=True, layout_features=[])
        options.drop_tables += [t for t in PDF_DROP_TABLES if t not in options.drop_tables]
        options.font_number = getattr(fontfile, "face_index", 0)
        font = subset.load_font(fontfile, options)
        try:
            for table in PDF_DROP_TABLES:  # before subsetting, which would decompile them first
                if table in font:
                    del font[table]
            subsetter = subset.Subsetter(options=options)
            subsetter.populate(gids=glyphs)
            subsetter.subset(font)
            if "CFF " in font or "CFF2" in font:
                cff_to_truetype(font)
            yield _SubsetResult(font, subsetter.glyph_index_map)
        finally:
            font.close()

    return context()
