"""Passphrase quality: long enough, not a common password, not a trivial pattern."""

from __future__ import annotations

from functools import lru_cache

from dsl_tui import paths

MIN_LENGTH = 12
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "+": "t",
    }
)
_WALKS = (
    "abcdefghijklmnopqrstuvwxyz",
    "zyxwvutsrqponmlkjihgfedcba",
    "01234567890123456789",
    "98765432109876543210",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower case), or a small built-in set."""
    try:
        text = (paths.data_dir() / "common-passwords.txt").read_text("utf-8")
    except OSError:
        text = "password\n123456\nqwerty\nletmein\niloveyou\nwelcome\nadmin\n"
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def _core(text: str) -> str:
    """Lower case, leetspeak undone, digits and symbols at either end stripped."""
    edges = "0123456789!@#$%^&*()-_=+.,?~ "
    return text.lower().strip(edges).translate(_LEET).strip(edges)


def check_passphrase(passphrase: str) -> str | None:
    """None if ``passphrase`` is acceptable, else the reason it is refused (one sentence)."""
    if len(passphrase) < MIN_LENGTH:
        return f"A passphrase needs at least {MIN_LENGTH} characters; try a few unrelated words."
    stripped = passphrase.strip()
    if len(set(stripped.lower())) <= 1:
        return "A passphrase cannot be one character repeated."
    for size in range(2, len(stripped) // 2 + 1):
        unit = stripped[:size]
        if len(stripped) % size == 0 and unit * (len(stripped) // size) == stripped:
            return "A passphrase cannot be a short pattern repeated; try a few unrelated words."
    if len(set(stripped.lower())) < 5:
        return "A passphrase needs more different characters; try a few unrelated words."
    lowered = stripped.lower()
    squashed = "".join(lowered.split())
    if any(squashed in walk for walk in _WALKS):
        return "A passphrase cannot be a run of letters, digits or keyboard keys."
    common = common_passwords()
    if lowered in common or squashed in common:
        return "That is one of the most common passwords; choose something less guessable."
    core = _core(squashed)
    if core in common:
        return "That is a common password with small changes; choose something less guessable."
    if len(core) < 4:
        return "A passphrase cannot be mostly digits or symbols; try a few unrelated words."
    return None
