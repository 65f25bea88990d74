"""One model behind the page, the viewer's text and the PDF: the same content in London time.

The HTML page, the text the viewer shows and the PDF render ``dsl_tui.export.sections``. These
tests read each rendering back (the page as a text browser reads it, the PDF with Poppler's
``pdftotext`` after ``qpdf`` checked its AES-256 encryption) and check every value of the model is
in each, so the three cannot drift apart again.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers_export import fake_casebook, sample_case

from dsl_tui.errors import UsageError
from dsl_tui.export.casefile_html import render_html
from dsl_tui.export.casefile_pdf import render_pdf
from dsl_tui.export.casefile_text import case_lines, header_lines
from dsl_tui.export.exporter import build_document
from dsl_tui.export.sections import DASH, TextBlock, build_view, when
from dsl_tui.jsontypes import Doc

QPDF = shutil.which("qpdf")
PDFTOTEXT = shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(
    not (QPDF and PDFTOTEXT), reason="qpdf and pdftotext (Debian qpdf, poppler-utils) needed"
)
SECRET = "quill-meadow-harbour-7193-lan"


def document() -> Doc:
    book = fake_casebook(sample_case("SRA-2026-0001"), sample_case("SRA-2026-0002"))
    doc, _ = build_document(
        book, [book.cases["SRA-2026-0001"], book.cases["SRA-2026-0002"]],
        now=datetime(2026, 7, 4, 9, 15, tzinfo=UTC),
    )  # fmt: skip
    return doc


def words(text: str) -> str:
    """Text with all runs of white space as one space (renderings wrap lines differently)."""
    return " ".join(text.split())


def model_values(doc: Doc) -> list[str]:
    """Every text of the model: headings, labels, values, table cells and clauses."""
    view = build_view(doc)
    found = [view.title, view.notice, view.footer]
    for label, cell in view.fields.rows:
        found += [label, *(p.text for p in cell)]
    for case in view.cases:
        found.append(case.heading)
        for label, cell in case.fields.rows:
            found += [label, *(p.text for p in cell)]
        for block in case.blocks:
            found.append(block.title)
            if isinstance(block, TextBlock):
                found.append(block.text)
                continue
            found += list(block.headers) if block.rows else [block.empty]
            found += [p.text for row in block.rows for cell in row for p in cell]
    for ref, text in view.clauses:
        found += [ref, text]
    return [words(v) for v in found if v != DASH and words(v)]


def test_times_are_london_time_with_the_zone_named() -> None:
    assert when("2026-07-04T09:15:00+00:00") == "04 Jul 2026 10:15 BST"
    assert when("2026-12-02T09:15:00+00:00") == "02 Dec 2026 09:15 GMT"
    assert when("2012-03-04") == "04 Mar 2012", "a date alone is a date, no zone"
    assert when("") == DASH and when(None) == DASH
    page = render_html(document())
    assert "04 Jul 2026 10:15 BST" in page, "the export time, in summer time"
    assert " UTC" not in page


def test_the_viewer_text_shows_every_value_the_page_shows() -> None:
    doc = document()
    shown = words("\n".join(header_lines(doc)))
    for case in doc["cases"]:
        shown += " " + words("\n".join(case_lines(case, doc["clauses"])))
    missing = [v for v in model_values(doc) if v not in shown and v.upper() not in shown]
    assert not missing, missing
    person = doc["cases"][0]["people"][0]
    assert person.get("date_of_birth"), "the sample has a date of birth (once only on the page)"
    assert when(person["date_of_birth"]) in shown


def test_the_page_shows_every_value_of_the_model() -> None:
    doc = document()
    page = render_html(doc)
    assert "<script>" not in page, "free text is escaped"
    text = words(html.unescape(re.sub(r"<[^>]+>", " ", page)))
    missing = [v for v in model_values(doc) if v not in text]
    assert not missing, missing


@needs_poppler
def test_the_pdf_is_aes_256_opens_only_with_its_passphrase_and_shows_every_value(
    tmp_path: Path,
) -> None:
    doc = document()
    pdf = tmp_path / "case-file.pdf"
    pdf.write_bytes(render_pdf(doc, SECRET))
    assert b"Amara" not in pdf.read_bytes() and b"Online bullying" not in pdf.read_bytes()
    shown = subprocess.run(
        [QPDF, "--show-encryption", f"--password={SECRET}", str(pdf)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "R = 6" in shown, "AES-256 (PDF 2.0 security handler, revision 6)"
    assert "Supplied password is user password" in shown
    wrong = subprocess.run(
        [QPDF, "--decrypt", "--password=not-the-passphrase", str(pdf), str(tmp_path / "x.pdf")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert wrong.returncode != 0 and "invalid password" in wrong.stderr
    text = subprocess.run(
        [PDFTOTEXT, "-upw", SECRET, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = words(text)
    # A table cell may wrap mid-value in the PDF: compare without any white space at all.
    squeezed = "".join(text.split())
    missing = [v for v in model_values(doc) if v not in flat and "".join(v.split()) not in squeezed]
    assert not missing, missing


@pytest.mark.parametrize("secret", ["x" * 33, "zoë-meadow-harbour-7193", "tab\there-and-more"])
def test_a_pdf_passphrase_every_reader_can_open_or_a_clear_refusal(secret: str) -> None:
    with pytest.raises(UsageError, match="at most 32 plain characters"):
        render_pdf(document(), secret)
