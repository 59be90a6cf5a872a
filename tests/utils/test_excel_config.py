import io

import xlrd
import xlwt

from utils.excel_config import set_excel_style


def test_equal_arguments_give_the_same_style_object():
    assert set_excel_style(bold=True, color="gray25") is set_excel_style(bold=True, color="gray25")
    assert set_excel_style(bold=True) is not set_excel_style(bold=False)


def test_style_has_font_alignment_background_and_thin_borders():
    style = set_excel_style(color="yellow", colour_index=2, height=240, bold=True)
    assert style.font.name == "宋体"
    assert style.font.bold and style.font.height == 240 and style.font.colour_index == 2
    assert style.alignment.horz == xlwt.Alignment.HORZ_CENTER
    assert style.pattern.pattern == xlwt.Pattern.SOLID_PATTERN
    assert style.pattern.pattern_fore_colour == xlwt.Style.colour_map["yellow"]
    assert style.borders.left == style.borders.bottom == xlwt.Borders.THIN


def test_hundred_thousand_styled_cells_save_and_read_back_with_songti_header():
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("订单")
    columns = 10
    for col in range(columns):
        sheet.write(0, col, f"列{col}", set_excel_style(color="gray25", bold=True))
    for row in range(1, 10_000):
        for col in range(columns):
            # A fresh call per cell, as calling code does: the cache keeps styles few.
            sheet.write(row, col, row * col, set_excel_style(horz=xlwt.Alignment.HORZ_RIGHT))
    buffer = io.BytesIO()
    book.save(buffer)

    read = xlrd.open_workbook(file_contents=buffer.getvalue(), formatting_info=True)
    sheet = read.sheet_by_index(0)
    assert sheet.nrows * sheet.ncols == 100_000
    assert sheet.cell_value(0, 3) == "列3"
    assert sheet.cell_value(9_999, 9) == 9_999 * 9
    header_font = read.font_list[read.xf_list[sheet.cell_xf_index(0, 0)].font_index]
    assert header_font.name == "宋体"
    assert header_font.bold
    body_font = read.font_list[read.xf_list[sheet.cell_xf_index(5, 5)].font_index]
    assert body_font.name == "宋体" and not body_font.bold
