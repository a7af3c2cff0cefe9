"""The exceptions sxmap raises.

Every error sxmap raises derives from :class:`SxmapError`. Two families tell the CLI which exit
code to use: :class:`DataError` (the data is bad: exit 1) and :class:`UsageError` (the request is
bad: exit 2). None of them knows anything of click.
"""

from __future__ import annotations


class SxmapError(Exception):
    """Base class of every error sxmap raises."""

    exit_code = 1


class DataError(SxmapError):
    """Bad data in a file: names the file, row and column, the value and the fix.

    Parameters
    ----------
    message : str
        What is wrong, in a sentence.
    path : str, optional
        The file.
    row : int, optional
        The row number as a user sees it (1-based; the header is row 1 in a CSV or sheet).
    column : str, optional
        The column header as written in the file.
    value : object, optional
        The offending value.
    hint : str, optional
        What would fix it.
    """

    exit_code = 1

    def __init__(self, message, *, path=None, row=None, column=None, value=None, hint=None):
        self.message = message
        self.path = None if path is None else str(path)
        self.row = row
        self.column = column
        self.value = value
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self):
        where = []
        if self.path:
            where.append(self.path)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.value is not None:
            text += f" (value: {self.value!r})"
        if self.hint:
            text += f"; {self.hint}"
        return text


class DataErrors(DataError):
    """Several data errors found in one pass over a file, reported together."""

    def __init__(self, errors, path=None):
        self.errors = list(errors)
        summary = f"{len(self.errors)} problem(s) found"
        super().__init__(summary, path=path)

    def __str__(self):
        head = f"{self.path}: " if self.path else ""
        lines = [f"{head}{len(self.errors)} problem(s) found:"]
        lines += [f"  {error}" for error in self.errors]
        return "\n".join(lines)


class UsageError(SxmapError):
    """A bad request: an unknown name, an impossible coordinate, a bad option value."""

    exit_code = 2


class UnknownDistrictError(UsageError):
    """A district name, alias or code that matches no division of the region in use (Shaoxing's)."""

    def __init__(self, text, suggestions=()):
        from sxmap.geo.region import active

        self.text = text
        self.suggestions = list(suggestions)
        message = f"unknown district {text!r} (未知区县)"
        if self.suggestions:
            message += "; did you mean: " + ", ".join(self.suggestions) + "?"
        else:
            divisions = active().districts
            message += "; valid: " + ", ".join(f"{d.name_zh}/{d.name_en}" for d in divisions[:8]) + (
                ", …" if len(divisions) > 8 else "")
        super().__init__(message)


class CoordinateError(UsageError):
    """A coordinate that cannot be right: not a number, out of range, or lon/lat swapped."""


class OutputExistsError(UsageError):
    """The output file exists and overwriting was not asked for."""

    def __init__(self, path):
        self.path = str(path)
        super().__init__(f"{self.path} already exists; pass --overwrite to replace it")


class UnknownTownshipError(UsageError):
    """A township (街道/镇/乡) name or code that matches none of Shaoxing's, or several."""

    def __init__(self, text, suggestions=(), ambiguous=False):
        self.text = text
        self.suggestions = list(suggestions)
        self.ambiguous = ambiguous
        if ambiguous:
            message = (f"township {text!r} is ambiguous (乡镇街道名称不唯一): " + ", ".join(self.suggestions)
                       + "; name the district too, e.g. 越城区城南街道")
        else:
            message = f"unknown township {text!r} (未知乡镇街道)"
            if self.suggestions:
                message += "; did you mean: " + ", ".join(self.suggestions) + "?"
        super().__init__(message)
