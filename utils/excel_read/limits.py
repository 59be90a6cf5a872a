"""What the reader accepts, decided here and never by what a file declares.

Each limit is read when a file is opened, so a test may lower it. Going past one is an
:class:`~utils.excel_read.common.UnreadableFile`: ``too_many_rows`` for a row number,
``over_limit`` (params ``part``, ``limit``) for the others.
"""

MAX_ROW = 1_048_576  # Excel's last row
MAX_COLUMN = 16_384  # Excel's last column, XFD
MAX_SHARED_STRINGS = 4_194_304  # about 32 MB of pointers when every string is empty
MAX_CELL_STYLES = 65_536  # <xf> in <cellXfs>; Excel keeps about 64,000
MAX_NUMBER_FORMATS = 65_536  # <numFmt> in styles.xml; Excel keeps a few hundred
MAX_SHEETS = 10_000  # <sheet> in workbook.xml
MAX_RELATIONSHIPS = 100_000  # <Relationship> in one .rels part
MAX_PART_ELEMENTS = 5_000_000  # elements in workbook.xml, styles.xml or a .rels part
MAX_TEXT_CHARS = 1_048_576  # one cell's text or one shared string (Excel: 32,767)
MAX_CSV_LINE_CHARS = 16 * 1_048_576  # one physical line of a csv: 1,000 per column at XFD
