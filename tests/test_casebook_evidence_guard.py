"""The image guard (issue #12, item 13): which evidence files a case may keep (UKCIS).

No file on a nudes case; an image on a case about a child only once the DSL states it is not an
image of a child; anything else as before. A refused file is never stored, not even encrypted.
Every person here is fictional and every "image" is a few made-up bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_casebook import Clock, bullying_report, fake_casebook
from helpers_playbook import shipped

from dsl_tui.casebook import Casebook
from dsl_tui.casebook.evidence_guard import is_image
from dsl_tui.errors import EvidenceRefused, ImageNotConfirmed
from dsl_tui.model import ConcernReport, NewPerson, PersonRole

#: The first bytes of each image format the guard knows, padded to look like a file.
IMAGES = {
    "png": b"\x89PNG\r\n\x1a\n" + b"\0" * 24,
    "jpeg": b"\xff\xd8\xff\xe0\0\x10JFIF" + b"\0" * 24,
    "gif": b"GIF89a" + b"\0" * 24,
    "webp": b"RIFF\x24\0\0\0WEBPVP8 " + b"\0" * 24,
    "heic": b"\0\0\0\x18ftypheic" + b"\0" * 24,
    "bmp": b"BM\x36\0\0\0\0\0\0\0\x36\0" + b"\0" * 24,
    "tiff": b"II*\0\x08\0\0\0" + b"\0" * 24,
}
PDF = b"%PDF-1.7\n% a letter from a parent, made up for the test\n"

NUDES = {"immediate_danger": "no", "about": "nudes", "nudes_adult": "no", "nudes_coercion": "no",
         "nudes_concerning_acts": "no", "nudes_under_13": "no", "nudes_immediate_risk": "no",
         "nudes_online": "no"}  # fmt: skip
BULLYING = {"immediate_danger": "no", "about": "child_online", "child_harm": "bullying",
            "adult_involved": "no", "bullying_serious": "no", "perpetrator_pupils": "yes",
            "still_online": "yes"}  # fmt: skip
STAFF_CONTENT = {"immediate_danger": "no", "about": "staff_content", "content_kind": "images",
                 "content_author": "parent", "content_threatening": "no"}  # fmt: skip


def real_book() -> Casebook:
    return Casebook.in_memory(user="Priya Ramanathan", playbook=shipped(), clock=Clock())


def staff_report() -> ConcernReport:
    """A parent's post about a teacher: no child in it."""
    return ConcernReport(
        school="sra", reporter="Mr Quennell-Oduya, deputy head",
        summary="A parent posted a photo of a teacher's car with a rude caption.",
        people=(NewPerson(PersonRole.STAFF, "Imogen Fairweather-Lund"),),
    )  # fmt: skip


@pytest.mark.parametrize("kind", sorted(IMAGES))
def test_every_image_format_is_known_by_its_bytes_even_renamed(kind: str) -> None:
    assert is_image(IMAGES[kind], "notes.txt")
    assert not is_image(PDF, "letter.pdf") and not is_image(b"BMW service history", "car.txt")
    assert is_image(PDF, "photo.JPG"), "a name ending like an image counts too"


@pytest.mark.parametrize("data, name", [(IMAGES["png"], "chat.png"), (PDF, "letter.pdf")])
def test_a_nudes_case_refuses_any_file_even_when_told_it_is_not_a_child(
    data: bytes, name: str
) -> None:
    book = real_book()
    case = book.log_concern(bullying_report(school="sra"), NUDES)
    assert case.category == "nudes_sharing"
    for confirmed in (False, True):
        with pytest.raises(EvidenceRefused) as refused:
            book.add_evidence(case.id, "What was described", data=data, filename=name,
                              not_an_image_of_a_child=confirmed)  # fmt: skip
        assert "Never view, copy or store" in refused.value.message
        assert not isinstance(refused.value, ImageNotConfirmed), "no confirmation unlocks it"
    assert book.case(case.id).evidence == ()
    # A description alone is what the DSL records instead.
    assert book.add_evidence(case.id, "Described by the pupil; not seen").evidence


def test_answers_on_the_nudes_branch_refuse_files_whatever_the_category() -> None:
    book = fake_casebook()
    case = book.log_concern(bullying_report(), {"about": "nudes"})
    assert case.category != "nudes_sharing"
    with pytest.raises(EvidenceRefused):
        book.add_evidence(case.id, "A letter", data=PDF, filename="letter.pdf")
    assert book.case(case.id).evidence == ()


def test_an_image_on_a_case_about_a_child_needs_the_dsl_to_say_it_is_not_of_a_child() -> None:
    book = real_book()
    case = book.log_concern(bullying_report(school="sra"), BULLYING)
    for kind, data in IMAGES.items():
        with pytest.raises(ImageNotConfirmed) as refused:
            book.add_evidence(case.id, "Screenshot of the group chat", data=data,
                              filename=f"chat.{kind}")  # fmt: skip
        assert "not an image of a child" in refused.value.message
    assert book.case(case.id).evidence == ()
    kept = book.add_evidence(case.id, "Screenshot of the group chat (text only)",
                             data=IMAGES["png"], filename="chat.png",
                             not_an_image_of_a_child=True)  # fmt: skip
    assert [e.filename for e in kept.evidence] == ["chat.png"]
    assert book.blob(kept.evidence[0].blob_id or "") == IMAGES["png"]
    # Not an image: no question asked.
    assert len(book.add_evidence(case.id, "Letter", data=PDF, filename="l.pdf").evidence) == 2


def test_an_image_on_a_case_about_staff_only_is_kept() -> None:
    book = real_book()
    case = book.log_concern(staff_report(), STAFF_CONTENT)
    kept = book.add_evidence(case.id, "Screenshot of the post", data=IMAGES["jpeg"],
                             filename="post.jpg")  # fmt: skip
    assert kept.evidence[0].sha256


def test_a_pupil_in_the_case_makes_it_about_a_child(tmp_path: Path) -> None:
    book = real_book()
    case = book.log_concern(staff_report(), STAFF_CONTENT)
    book.add_person(case.id, NewPerson(PersonRole.PUPIL, "Bartholomew Ashdown-Kerr", "Y10"))
    photo = tmp_path / "post.heic"
    photo.write_bytes(IMAGES["heic"])
    with pytest.raises(ImageNotConfirmed):
        book.add_evidence_file(case.id, "Photo of the post", photo)
    kept = book.add_evidence_file(case.id, "Photo of the post", photo,
                                  not_an_image_of_a_child=True)  # fmt: skip
    assert kept.evidence[-1].filename == "post.heic"
