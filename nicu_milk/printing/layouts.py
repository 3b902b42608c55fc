"""Label stocks as data: one TOML file per stock in labels/, loaded and validated strictly.

A hospital changes stock by adding a file. A file with an error stops start-up with a
LayoutError that names the file and the field, so a typo never reaches a printer.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

MIL = 72 / 1000  # points in a thousandth of an inch
MIN_MODULE_MIL = 10.0  # the narrowest Code 128 bar we print
MIN_QUIET_MODULES = 10

_UNITS = {"in": 72.0, "mm": 72 / 25.4, "pt": 1.0, "mil": MIL}
_LENGTH = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(in|mm|pt|mil|dots?)\s*")
_ZPL_FONT = re.compile(r"[0-9A-Z]")
_ZPL_FONT_FILE = re.compile(r"[REBA]:[A-Za-z0-9_-]{1,16}\.(TTF|TTE|FNT)")


class LayoutError(ValueError):
    """A layout file is wrong; the message names the file and the field."""

    def __init__(self, path: str | Path, field: str, problem: str):
        self.path = str(path)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.path}: {field}: {problem}" if field else f"{self.path}: {problem}")


@dataclass(frozen=True)
class TextSizes:
    """Font sizes in points. The name shrinks from name_max to name_min, then wraps."""

    name_max: float
    name_min: float
    body: float
    body_min: float
    code: float  # the human-readable code under the bars


@dataclass(frozen=True)
class Code128Spec:
    module: float  # bar module width in points, never under 10 mil
    height: float  # bar height in points
    quiet_zone: int  # modules of blank space each side, at least 10

    @property
    def module_mil(self) -> float:
        return self.module / MIL


@dataclass(frozen=True)
class DataMatrixSpec:
    enabled: bool
    module: float  # points


@dataclass(frozen=True)
class Grid:
    """Where the labels sit on a sheet; every length in points from the page's top-left."""

    columns: int
    rows: int
    label_width: float
    label_height: float
    left: float
    top: float
    column_pitch: float
    row_pitch: float

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def cell(self, index: int) -> tuple[float, float]:
        """The top-left corner of label ``index`` (row by row), from the page's top-left."""
        row, column = divmod(index, self.columns)
        return self.left + column * self.column_pitch, self.top + row * self.row_pitch


@dataclass(frozen=True)
class ZplSpec:
    font: str  # a printer font letter for ^A, "0" is the scalable font every Zebra has
    font_file: str | None  # or a TrueType font stored on the printer, e.g. "E:TT0003M_.TTF"


@dataclass(frozen=True)
class Layout:
    """One label stock.

    ``kind`` is "thermal" (one container label per page, PDF or ZPL) or "sheet" (an office
    sheet of take-home labels). ``width`` and ``height`` are the label's for thermal stock
    and the page's for a sheet. ``margin`` is the blank border inside each label. All
    lengths are in points (1/72 in).
    """

    name: str
    kind: str
    description: str
    source: str
    width: float
    height: float
    margin: float
    text: TextSizes
    code128: Code128Spec
    datamatrix: DataMatrixSpec
    dpi: int | None = None
    grid: Grid | None = None
    blank_line: float | None = None
    header: bool = False
    zpl: ZplSpec | None = None

    @property
    def label_width(self) -> float:
        return self.grid.label_width if self.grid else self.width

    @property
    def label_height(self) -> float:
        return self.grid.label_height if self.grid else self.height

    @property
    def dot(self) -> float | None:
        """One printer dot in points (thermal stock only)."""
        return 72 / self.dpi if self.dpi else None

    def dots(self, points: float) -> int:
        """A length in points as whole printer dots."""
        if not self.dpi:
            raise ValueError(f"layout {self.name} is not a thermal layout and has no dpi")
        return round(points * self.dpi / 72)


def load_layouts(directory: str | Path) -> dict[str, Layout]:
    """Every ``*.toml`` in ``directory``, by file stem; the first error raises LayoutError."""
    folder = Path(directory)
    if not folder.is_dir():
        raise LayoutError(folder, "", "the label layout folder does not exist")
    layouts = {}
    for path in sorted(folder.glob("*.toml")):
        layout = load_layout(path)
        layouts[layout.name] = layout
    if not layouts:
        raise LayoutError(folder, "", "the folder holds no label layout (*.toml)")
    return layouts


def load_layout(path: str | Path) -> Layout:
    """One layout file, validated strictly: unknown, missing or wrong fields raise."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise LayoutError(path, "", f"is not valid TOML: {error}") from None
    except OSError as error:
        raise LayoutError(path, "", f"cannot be read: {error.strerror}") from None
    reader = _Reader(path, document)
    layout = reader.layout()
    reader.check_fits(layout)
    return layout


class _Reader:
    """Pulls typed values out of the parsed TOML, naming the field in every error."""

    def __init__(self, path: Path, document: dict):
        self.path = path
        self.document = document
        self.dpi: int | None = None

    def fail(self, field: str, problem: str):
        raise LayoutError(self.path, field, problem)

    def table(self, name: str, allowed: set[str], required: bool = True) -> dict:
        value = self.document.get(name)
        if value is None:
            if required:
                self.fail(f"[{name}]", "the table is missing")
            return {}
        if not isinstance(value, dict):
            self.fail(name, "must be a table, for example [" + name + "]")
        for key in value:
            if key not in allowed:
                self.fail(f"{name}.{key}", f"unknown field (allowed: {', '.join(sorted(allowed))})")
        return value

    def value(self, table: dict, prefix: str, key: str, kind, default=None, required=True):
        field = f"{prefix}.{key}" if prefix else key
        if key not in table:
            if required:
                self.fail(field, "is missing")
            return default
        value = table[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            self.fail(field, f"must be a whole number, got {value!r}")
        if kind is bool and not isinstance(value, bool):
            self.fail(field, f"must be true or false, got {value!r}")
        if kind is str and not isinstance(value, str):
            self.fail(field, f"must be a string, got {value!r}")
        return value

    def length(
        self,
        table: dict,
        prefix: str,
        key: str,
        *,
        minimum: float = 0.0,
        maximum: float = 72 * 40,
        whole_dots: bool = False,
        required: bool = True,
        default: float | None = None,
    ) -> float:
        field = f"{prefix}.{key}"
        if key not in table:
            if required:
                self.fail(field, 'is missing (a length such as "2 in", "50.8 mm" or "6 pt")')
            return default
        raw = table[key]
        match = _LENGTH.fullmatch(raw) if isinstance(raw, str) else None
        if match is None:
            self.fail(
                field,
                f"must be a length with a unit (in, mm, pt, mil or dots), "
                f'for example "2 in", got {raw!r}',
            )
        number, unit = float(match.group(1)), match.group(2)
        if unit.startswith("dot"):
            if self.dpi is None:
                self.fail(field, "is in dots, which only a thermal layout with stock.dpi has")
            if number != int(number):
                self.fail(field, f"must be a whole number of printer dots, got {number:g}")
            points = number * 72 / self.dpi
        else:
            if whole_dots:
                self.fail(
                    field,
                    f'must be a whole number of printer dots, such as "3 dots", '
                    f"so that every bar is exactly as wide as intended; got {raw!r}",
                )
            points = number * _UNITS[unit]
        if not minimum <= points <= maximum:
            self.fail(field, f"{raw!r} is outside {_show(minimum)} .. {_show(maximum)}")
        return points

    def layout(self) -> Layout:
        allowed_top = {
            "kind",
            "description",
            "stock",
            "page",
            "grid",
            "text",
            "code128",
            "datamatrix",
            "blanks",
            "zpl",
        }
        for key in self.document:
            if key not in allowed_top:
                self.fail(key, f"unknown field (allowed: {', '.join(sorted(allowed_top))})")
        kind = self.value(self.document, "", "kind", str)
        if kind not in ("thermal", "sheet"):
            self.fail("kind", f'must be "thermal" or "sheet", got {kind!r}')
        description = self.value(self.document, "", "description", str)
        if kind == "thermal":
            for other in ("page", "grid", "blanks"):
                if other in self.document:
                    self.fail(other, "belongs to a sheet layout, not a thermal one")
            stock = self.table("stock", {"width", "height", "dpi", "margin"})
            dpi = self.value(stock, "stock", "dpi", int)
            if not 100 <= dpi <= 1200:
                self.fail("stock.dpi", f"must be a printer resolution from 100 to 1200, got {dpi}")
            self.dpi = dpi
            width = self.length(stock, "stock", "width", minimum=36)
            height = self.length(stock, "stock", "height", minimum=18)
            margin = self.length(stock, "stock", "margin", maximum=min(width, height) / 4)
            grid = None
            blank_line = None
            header = False
        else:
            for other in ("stock", "zpl"):
                if other in self.document:
                    self.fail(other, "belongs to a thermal layout, not a sheet")
            page = self.table("page", {"width", "height", "header"})
            width = self.length(page, "page", "width", minimum=144)
            height = self.length(page, "page", "height", minimum=144)
            header = self.value(page, "page", "header", bool, default=False, required=False)
            grid, margin = self._grid(width, height)
            blanks = self.table("blanks", {"line_height"})
            blank_line = self.length(blanks, "blanks", "line_height", minimum=6, maximum=72)
        text = self._text()
        code128 = self._code128(whole_dots=kind == "thermal")
        datamatrix = self._datamatrix(whole_dots=kind == "thermal")
        zpl = self._zpl() if kind == "thermal" else None
        return Layout(
            name=self.path.stem,
            kind=kind,
            description=description,
            source=str(self.path),
            width=width,
            height=height,
            margin=margin,
            text=text,
            code128=code128,
            datamatrix=datamatrix,
            dpi=self.dpi,
            grid=grid,
            blank_line=blank_line,
            header=header,
            zpl=zpl,
        )

    def _grid(self, page_width: float, page_height: float) -> tuple[Grid, float]:
        keys = {
            "columns",
            "rows",
            "label_width",
            "label_height",
            "left",
            "top",
            "column_pitch",
            "row_pitch",
            "padding",
        }
        table = self.table("grid", keys)
        columns = self.value(table, "grid", "columns", int)
        rows = self.value(table, "grid", "rows", int)
        for key, count in (("columns", columns), ("rows", rows)):
            if not 1 <= count <= 30:
                self.fail(f"grid.{key}", f"must be from 1 to 30, got {count}")
        label_width = self.length(table, "grid", "label_width", minimum=36)
        label_height = self.length(table, "grid", "label_height", minimum=18)
        left = self.length(table, "grid", "left")
        top = self.length(table, "grid", "top")
        column_pitch = self.length(
            table, "grid", "column_pitch", required=columns > 1, default=label_width
        )
        row_pitch = self.length(table, "grid", "row_pitch", required=rows > 1, default=label_height)
        padding = self.length(table, "grid", "padding", maximum=min(label_width, label_height) / 4)
        if column_pitch < label_width - 0.01:
            self.fail("grid.column_pitch", "is less than grid.label_width: labels would overlap")
        if row_pitch < label_height - 0.01:
            self.fail("grid.row_pitch", "is less than grid.label_height: labels would overlap")
        right = left + (columns - 1) * column_pitch + label_width
        if right > page_width + 0.01:
            self.fail(
                "grid.columns",
                f"the labels reach {_show(right)} across a page {_show(page_width)} wide",
            )
        bottom = top + (rows - 1) * row_pitch + label_height
        if bottom > page_height + 0.01:
            self.fail(
                "grid.rows",
                f"the labels reach {_show(bottom)} down a page {_show(page_height)} high",
            )
        grid = Grid(
            columns=columns,
            rows=rows,
            label_width=label_width,
            label_height=label_height,
            left=left,
            top=top,
            column_pitch=column_pitch,
            row_pitch=row_pitch,
        )
        return grid, padding

    def _text(self) -> TextSizes:
        table = self.table("text", {"name_max", "name_min", "body", "body_min", "code"})
        sizes = {
            key: self.length(table, "text", key, minimum=4, maximum=36)
            for key in ("name_max", "name_min", "body", "code")
        }
        sizes["body_min"] = self.length(
            table, "text", "body_min", minimum=4, maximum=36, required=False, default=sizes["body"]
        )
        if sizes["name_min"] > sizes["name_max"]:
            self.fail("text.name_min", "is larger than text.name_max")
        if sizes["body_min"] > sizes["body"]:
            self.fail("text.body_min", "is larger than text.body")
        return TextSizes(**sizes)

    def _code128(self, whole_dots: bool) -> Code128Spec:
        table = self.table("code128", {"module", "height", "quiet_zone"})
        module = self.length(table, "code128", "module", whole_dots=whole_dots)
        if module < MIN_MODULE_MIL * MIL - 1e-9:
            self.fail(
                "code128.module",
                f"is {module / MIL:.2f} mil; Code 128 modules must be "
                f"at least {MIN_MODULE_MIL:g} mil",
            )
        height = self.length(table, "code128", "height", minimum=9, maximum=216)
        quiet = self.value(
            table, "code128", "quiet_zone", int, default=MIN_QUIET_MODULES, required=False
        )
        if quiet < MIN_QUIET_MODULES:
            self.fail(
                "code128.quiet_zone", f"must be at least {MIN_QUIET_MODULES} modules, got {quiet}"
            )
        return Code128Spec(module=module, height=height, quiet_zone=quiet)

    def _datamatrix(self, whole_dots: bool) -> DataMatrixSpec:
        table = self.table("datamatrix", {"enabled", "module"}, required=False)
        enabled = self.value(table, "datamatrix", "enabled", bool, default=False, required=False)
        if not enabled:
            return DataMatrixSpec(enabled=False, module=0.0)
        module = self.length(table, "datamatrix", "module", whole_dots=whole_dots)
        if module < MIN_MODULE_MIL * MIL - 1e-9:
            self.fail(
                "datamatrix.module",
                f"is {module / MIL:.2f} mil; modules must be at least {MIN_MODULE_MIL:g} mil",
            )
        return DataMatrixSpec(enabled=True, module=module)

    def _zpl(self) -> ZplSpec:
        table = self.table("zpl", {"font", "font_file"}, required=False)
        font = self.value(table, "zpl", "font", str, default="0", required=False)
        if not _ZPL_FONT.fullmatch(font):
            self.fail(
                "zpl.font", f"must be one printer font letter or digit (A-Z, 0-9), got {font!r}"
            )
        font_file = self.value(table, "zpl", "font_file", str, required=False)
        if font_file is not None and not _ZPL_FONT_FILE.fullmatch(font_file):
            self.fail(
                "zpl.font_file",
                f'must name a font on the printer such as "E:TT0003M_.TTF", got {font_file!r}',
            )
        return ZplSpec(font=font, font_file=font_file)

    def check_fits(self, layout: Layout) -> None:
        """Compose a demanding sample label, so that a stock too small fails at start-up."""
        from .compose import sample_fit_problem  # the composer needs fonts; import late

        problem = sample_fit_problem(layout)
        if problem is not None:
            field, message = problem
            self.fail(field, message)


def _show(points: float) -> str:
    return f"{points / 72:.3g} in"
