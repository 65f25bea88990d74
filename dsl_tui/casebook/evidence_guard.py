"""The image guard: which evidence files a case may keep (UKCIS guidance on sharing nudes).

Indecent images of children must never be viewed, copied or stored, even as evidence: a DSL
records a description instead. So the casebook refuses any file on a nudes case (the category,
or triage answers on the nudes branch), and refuses an image on any case about a child unless
the DSL states it is not an image of a child (a screenshot of a chat with no one in it, a photo
of a poster). An image is known by its name and by its first bytes, so renaming a photo to
``.txt`` does not get it past the guard.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from dsl_tui.errors import NEVER_STORE_IMAGES, EvidenceRefused, ImageNotConfirmed, UsageError
from dsl_tui.jsontypes import DocView

#: Largest evidence file read (a screenshot or a document, not a video archive).
MAX_EVIDENCE_BYTES = 50 * 1024 * 1024

#: Names image files end with (lower case).
IMAGE_EXTENSIONS = frozenset({
    ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".webp", ".heic", ".heif", ".avif",
    ".bmp", ".dib", ".tif", ".tiff",
})  # fmt: skip

#: ISO media brands (bytes 8-12 after "ftyp") of HEIC / HEIF / AVIF photos.
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm",
                          b"hevs", b"mif1", b"msf1", b"avif", b"avis"})  # fmt: skip

#: The category and category group of nudes cases, and the answers that put a case on that branch.
NUDES_CATEGORY = "nudes_sharing"
NUDES_GROUP = "nudes"
_NUDES_ANSWERS = frozenset({"nudes", "child_imagery"})
#: Category groups and "about" answers that make a case about a child.
_CHILD_GROUPS = frozenset({"child_online", "nudes", "pupil_contact"})


def is_image(data: bytes, filename: str = "") -> bool:
    """Whether a file is an image: PNG, JPEG, GIF, WebP, HEIC/HEIF/AVIF, BMP or TIFF, by its
    name or by its first bytes."""
    if os.path.splitext(filename.strip().lower())[1] in IMAGE_EXTENSIONS:
        return True
    head = bytes(data[:16])
    return (
        head.startswith(b"\x89PNG\r\n\x1a\n")
        or head.startswith(b"\xff\xd8\xff")
        or head.startswith((b"GIF87a", b"GIF89a"))
        or (head.startswith(b"RIFF") and head[8:12] == b"WEBP")
        or (head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS)
        or (head.startswith(b"BM") and head[6:10] == b"\0\0\0\0")
        or head.startswith((b"II*\x00", b"MM\x00*"))
    )


def is_nudes_case(category: str, group: str, answers: Iterable[tuple[str, str]]) -> bool:
    """A nudes case: its category, its category's group, or triage answers on the nudes branch."""
    if category == NUDES_CATEGORY or group == NUDES_GROUP:
        return True
    return any(value in _NUDES_ANSWERS or key.startswith("nudes_") for key, value in answers)


def is_about_a_child(group: str, answers: Iterable[tuple[str, str]], roles: Iterable[str]) -> bool:
    """A case about a child: a pupil in it, a child's category group, or "about" a child."""
    about = dict(answers).get("about", "")
    return group in _CHILD_GROUPS or about in _CHILD_GROUPS or "pupil" in set(roles)


def check_evidence_file(
    core: DocView,
    people: Iterable[DocView],
    group: str,
    data: bytes,
    filename: str,
    *,
    not_an_image_of_a_child: bool,
) -> None:
    """Refuse a file the case must not keep (raises ``EvidenceRefused`` or ``ImageNotConfirmed``).

    ``core`` is the case's stored document, ``people`` its people, ``group`` its category's group.
    """
    answers = [(str(k), str(v)) for k, v in core.get("answers", ())]
    if is_nudes_case(str(core.get("category", "")), group, answers):
        raise EvidenceRefused(
            "No file can be attached to a case about nudes or semi-nudes of a child. "
            + NEVER_STORE_IMAGES
        )
    if not is_image(data, filename) or not_an_image_of_a_child:
        return
    roles = [str(p.get("role", "")) for p in people]
    if is_about_a_child(group, answers, roles):
        raise ImageNotConfirmed(
            "This file is an image and the case is about a child: attach it only after "
            "confirming it is not an image of a child. " + NEVER_STORE_IMAGES
        )


def read_evidence_file(path: Path) -> bytes:
    """An evidence file's bytes; UsageError (never the path, which may name a pupil) if it is
    not a readable regular file of at most ``MAX_EVIDENCE_BYTES``."""
    try:
        if not path.is_file():
            raise UsageError("There is no file there to attach; check the path.")
        with path.open("rb") as handle:
            data = handle.read(MAX_EVIDENCE_BYTES + 1)
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise UsageError(f"The file could not be read ({reason}).") from None
    if len(data) > MAX_EVIDENCE_BYTES:
        raise UsageError(
            f"The file is larger than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MiB; describe it "
            "and say where it is kept instead."
        )
    return data
