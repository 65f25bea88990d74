"""Passphrase quality: long enough, not common, not a pattern; the reason is said."""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

import pytest

from dsl_tui.vault import check_passphrase
from dsl_tui.vault.passphrase import common_passwords


@pytest.mark.parametrize(
    ("passphrase", "reason_word"),
    [
        ("short", "12 characters"),
        ("aaaaaaaaaaaaaaaa", "repeated"),
        ("abcabcabcabcabc", "pattern"),
        ("abcdefghijklmnop", "run"),
        ("123456789012", "run"),
        ("qwertyuiopasdf", "run"),
        ("passwordpassword", "pattern"),
        ("iloveyouforever", "common"),
        ("Password123456!", "common"),
        ("P@ssw0rd2024!!", "common"),
        ("aabbaabbaabbccd", "different characters"),
    ],
)
def test_weak_passphrases_are_refused_with_a_reason(passphrase: str, reason_word: str) -> None:
    reason = check_passphrase(passphrase)
    assert reason is not None
    assert reason_word in reason


@pytest.mark.parametrize(
    "passphrase",
    ["plum orchard lantern seven", "granite heron umbrella 42", "Tea at 4 in the staffroom"],
)
def test_good_passphrases_pass(passphrase: str) -> None:
    assert check_passphrase(passphrase) is None


def test_the_shipped_list_is_loaded() -> None:
    words = common_passwords()
    assert len(words) >= 200
    assert {"password", "123456", "qwerty", "iloveyouforever"} <= words
