"""``export --format pdf``: the case file as a password-protected PDF (AES-256).

For the senior manager whose Windows laptop has no ``age``, unzip or sha256sum: the PDF opens in
Edge or Acrobat with its passphrase and nothing installed. It renders ``dsl_tui.export.sections``,
the same model as the printable page and the viewer, so the three say the same thing.

The PDF is built in memory and encrypted by fpdf2 with AES-256 (PDF 2.0 security handler,
revision 6): the user password is the case file's passphrase; the owner password is random and
thrown away, so nobody can lift the restrictions. Evidence files are not inside a PDF (it carries
no attachments): their names and SHA-256 are listed, and the zip case file carries the files.
Text uses DejaVu Sans (shipped in ``data/fonts``, its licence beside it) so any name in any
script prints; nothing is fetched.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import AccessPermission, EncryptionMethod, XPos, YPos
from fpdf.fonts import FontFace

from dsl_tui.errors import UsageError
from dsl_tui.export.sections import Block, CaseFileView, Cell, Fields, TextBlock, build_view
from dsl_tui.jsontypes import Doc
from dsl_tui.paths import data_dir

FONT = "DejaVu"
#: PDF readers disagree past 32 characters (Poppler refuses a longer AES-256 password that
#: qpdf accepts), so a PDF's passphrase is 12-32 printable ASCII characters (a generated one is 29).
MAX_PASSPHRASE = 32
#: Column widths (share of the page width) for tables with this many columns.
_WIDTHS = {
    2: (0.3, 0.7),
    4: (0.2, 0.18, 0.17, 0.45),
    5: (0.28, 0.18, 0.16, 0.18, 0.2),
    6: (0.25, 0.12, 0.14, 0.14, 0.23, 0.12),
}


class _Pdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._footer_text = footer_text
        fonts = data_dir() / "fonts"
        self.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 7)
        self.set_text_color(90)
        self.cell(0, 5, f"OFFICIAL-SENSITIVE · {self._footer_text} · page {self.page_no()}",
                  align="C")  # fmt: skip
        self.set_text_color(0)


def _cell_text(cell: Cell) -> str:
    """A cell's parts a line each; a muted part (a step's detail, a clause's opening) after a
    blank line, as the page shows it in grey."""
    return "".join(
        ("\n\n" if part.style == "muted" else "\n") * bool(i) + part.text
        for i, part in enumerate(cell)
    )


def _heading(pdf: _Pdf, text: str, size: float) -> None:
    if pdf.will_page_break(size * 2.5):  # never a heading alone at the foot of a page
        pdf.add_page()
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def _fields(pdf: _Pdf, fields: Fields) -> None:
    pdf.set_font(FONT, "", 9)
    with pdf.table(col_widths=(30, 70), first_row_as_headings=False, line_height=4.5,
                   padding=1, text_align="LEFT") as table:  # fmt: skip
        for label, value in fields.rows:
            row = table.row()
            pdf.set_font(FONT, "B", 9)
            row.cell(label)
            pdf.set_font(FONT, "", 9)
            row.cell(_cell_text(value))
    pdf.ln(2)


def _block(pdf: _Pdf, block: Block) -> None:
    _heading(pdf, block.title, 11)
    pdf.set_font(FONT, "", 9)
    if isinstance(block, TextBlock):
        pdf.multi_cell(0, 4.5, block.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        return
    if not block.rows:
        pdf.set_text_color(90)
        pdf.multi_cell(0, 4.5, block.empty, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0)
        pdf.ln(2)
        return
    widths = _WIDTHS.get(len(block.headers), tuple(1.0 for _ in block.headers))
    pdf.set_font(FONT, "", 8)
    headings = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    with pdf.table(col_widths=widths, line_height=4, padding=1, headings_style=headings,
                   text_align="LEFT") as table:  # fmt: skip
        heading = table.row()
        for header in block.headers:
            heading.cell(header)
        for cells in block.rows:
            row = table.row()
            for cell in cells:
                row.cell(_cell_text(cell))
    pdf.ln(2)


def render_pdf(document: Doc, passphrase: str, *, now: datetime | None = None) -> bytes:
    """The case file as an AES-256 encrypted PDF opened by ``passphrase``."""
    if not (passphrase.isascii() and passphrase.isprintable()) or len(passphrase) > MAX_PASSPHRASE:
        raise UsageError(
            f"A PDF's passphrase must be at most {MAX_PASSPHRASE} plain characters (letters, "
            "digits, punctuation) so every PDF reader opens it; use --generate-passphrase."
        )
    view: CaseFileView = build_view(document)
    pdf = _Pdf(view.footer)
    pdf.set_title(view.title)
    pdf.set_author("dsl-tui")
    pdf.set_creator("dsl-tui")
    if now is not None:
        pdf.set_creation_date(now)
    pdf.set_encryption(
        owner_password=secrets.token_urlsafe(32),
        user_password=passphrase,
        encryption_method=EncryptionMethod.AES_256,
        permissions=AccessPermission.PRINT_HIGH_RES | AccessPermission.PRINT_LOW_RES
        | AccessPermission.COPY_FOR_ACCESSIBILITY,
        encrypt_metadata=True,
    )  # fmt: skip
    pdf.add_page()
    _heading(pdf, view.title, 16)
    pdf.set_font(FONT, "B", 9)
    pdf.set_draw_color(0)
    pdf.multi_cell(0, 4.5, view.notice, border=1, padding=2, new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)  # fmt: skip
    pdf.ln(3)
    _fields(pdf, view.fields)
    for number, case in enumerate(view.cases):
        if number:
            pdf.add_page()
        _heading(pdf, case.heading, 13)
        _fields(pdf, case.fields)
        for block in case.blocks:
            _block(pdf, block)
    if view.clauses:
        pdf.add_page()
        _heading(pdf, "Policy clauses cited", 13)
        pdf.set_font(FONT, "", 9)
        with pdf.table(col_widths=(0.12, 0.88), first_row_as_headings=False, line_height=4.5,
                       padding=1, text_align="LEFT") as table:  # fmt: skip
            for ref, text in view.clauses:
                row = table.row()
                row.cell(ref)
                row.cell(text)
    pdf.ln(3)
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(0, 4, view.footer, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
