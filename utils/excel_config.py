"""xlwt cell styles for every sheet the back office writes."""

from functools import cache

import xlwt

THIN = xlwt.Borders.THIN


@cache
def set_excel_style(
    color: str = "white",
    colour_index: int = 0,
    height: int = 180,
    bold: bool = False,
    name: str = "宋体",
    horz: int = xlwt.Alignment.HORZ_CENTER,
    vert: int = xlwt.Alignment.VERT_CENTER,
    num_format_str: str = "General",
) -> xlwt.XFStyle:
    """A style with this font, alignment, a solid ``color`` background and thin borders.

    ``color`` is an xlwt colour name (``xlwt.Style.colour_map``), ``colour_index`` the
    font colour, ``height`` the font size in twips (180 = 9 pt). Equal arguments return
    the same object: xlwt counts styles per object and a workbook holds about 4,000, so
    a cached style keeps a sheet of 100,000 styled cells saveable. Treat the result as
    read-only.
    """
    font = xlwt.Font()
    font.name = name
    font.bold = bold
    font.colour_index = colour_index
    font.height = height

    alignment = xlwt.Alignment()
    alignment.horz = horz
    alignment.vert = vert

    pattern = xlwt.Pattern()
    pattern.pattern = xlwt.Pattern.SOLID_PATTERN
    pattern.pattern_fore_colour = xlwt.Style.colour_map[color]

    borders = xlwt.Borders()
    borders.left = borders.right = borders.top = borders.bottom = THIN

    style = xlwt.XFStyle()
    style.font = font
    style.alignment = alignment
    style.pattern = pattern
    style.borders = borders
    style.num_format_str = num_format_str
    return style
