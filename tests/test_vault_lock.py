"""One writer per vault (issue #13 finding 4): a lock held on the open file, checked before every
commit, and keyed on the vault's real path, so no second writer ever loses the first one's saves."""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from helpers_vault import (  # noqa: F401 - fixtures
    PASSPHRASE,
    make_vault,
    run_cli,
    state_dir,
    vault_path,
)

from dsl_tui.errors import LockLost, StorageError, VaultLocked
from dsl_tui.vault import Vault
from dsl_tui.vault.journal import CompactionPolicy
from dsl_tui.vault.lock import lock_path

needs_symlinks = pytest.mark.skipif(sys.platform == "win32", reason="symlinks need admin rights")


def _notes(path: Path) -> set[str]:
    with Vault.open(path, PASSPHRASE) as vault:
        return {str(doc["text"]) for doc in vault.db.table("notes").all()}


def _save(vault: Vault, text: str, acknowledged: list[str]) -> bool:
    """Save one note; True (and remembered) when the vault said it was saved."""
    try:
        vault.db.table("notes").insert({"text": text})
    except LockLost:
        return False
    acknowledged.append(text)
    return True


def test_deleting_the_lock_file_lets_a_second_writer_in_but_no_save_is_lost(
    vault_path: Path,
) -> None:
    """Finding 4a: the review lost 12 of 14 saves. Now the first writer stops saving, with one
    sentence, once another has taken the vault; every save either said so is kept."""
    acknowledged: list[str] = []
    first = make_vault(vault_path)
    for i in range(3):
        assert _save(first, f"first {i}", acknowledged)
    lock_path(vault_path).unlink()
    second = Vault.open(vault_path, PASSPHRASE)
    refused = 0
    for i in range(7):
        if not _save(first, f"first later {i}", acknowledged):
            refused += 1
        assert _save(second, f"second {i}", acknowledged)
    with pytest.raises(LockLost) as caught:
        first.db.table("notes").insert({"text": "one more"})
    message = caught.value.message
    assert "stopped saving" in message and message.count(". ") == 0 and message.endswith(".")
    assert isinstance(caught.value, StorageError) and caught.value.exit_code == 4
    first.close()
    second.close()
    assert refused == 7
    assert _notes(vault_path) == set(acknowledged)
    assert len(acknowledged) == 3 + 7


def test_a_lock_file_rewritten_by_someone_else_stops_saving(vault_path: Path) -> None:
    with make_vault(vault_path) as vault:
        vault.db.table("notes").insert({"text": "kept"})
        lock_path(vault_path).write_text('{"pid": 1, "host": "elsewhere"}')
        with pytest.raises(LockLost):
            vault.db.table("notes").insert({"text": "refused"})
    assert _notes(vault_path) == {"kept"}


def test_a_vault_file_replaced_while_open_is_never_cut_at_an_old_offset(
    vault_path: Path,
) -> None:
    """The journal offset belongs to the file that was read: a file put in its place (another
    writer's compaction, a sync tool) is refused rather than cut there."""
    with make_vault(vault_path) as vault:
        vault.db.table("notes").insert({"text": "one"})
        foreign = vault_path.read_bytes() + b""
        other = vault_path.with_name("copy.tmp")
        other.write_bytes(foreign)
        os.replace(other, vault_path)
        with pytest.raises(StorageError, match="another program changed the vault file"):
            vault.db.table("notes").insert({"text": "two"})
    assert _notes(vault_path) == {"one"}


@needs_symlinks
def test_a_symlinked_path_shares_the_real_vaults_lock_blobs_and_backups(
    vault_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 4b: through a symlink the review lost 6 of 12 saves, and compaction replaced the
    link with a file. Now the link locks the real vault, and everything sits beside the real
    file."""
    make_vault(vault_path).close()
    elsewhere = tmp_path / "desktop"
    elsewhere.mkdir()
    link = elsewhere / "vault.dsl"
    link.symlink_to(vault_path)
    acknowledged: list[str] = []
    with Vault.open(vault_path, PASSPHRASE) as real:
        with pytest.raises(VaultLocked):
            Vault.open(link, PASSPHRASE)
        for i in range(6):
            assert _save(real, f"real {i}", acknowledged)
    monkeypatch.setattr(Vault, "policy", CompactionPolicy(soft_min_bytes=1, soft_ratio=0.0))
    with Vault.open(link, PASSPHRASE) as linked:
        assert linked.path == vault_path.resolve()
        with pytest.raises(VaultLocked):
            Vault.open(vault_path, PASSPHRASE)
        for i in range(6):
            assert _save(linked, f"linked {i}", acknowledged)
        blob_id, _ = linked.put_blob(b"a description of a screenshot")
        linked.backup()
    # Closing compacted the journal: the real file was replaced, the link left as it was.
    assert link.is_symlink() and link.resolve() == vault_path.resolve()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["vault.dsl"]
    assert (vault_path.parent / "blobs" / f"{blob_id}.blob").is_file()
    assert any((vault_path.parent / "backups").iterdir())
    assert _notes(vault_path) == set(acknowledged) == _notes(link)
    assert len(acknowledged) == 12


@needs_symlinks
def test_a_symlinked_folder_and_the_cli_lock_the_same_vault(
    vault_path: Path, tmp_path: Path
) -> None:
    make_vault(vault_path).close()
    linked_folder = tmp_path / "shortcut"
    linked_folder.symlink_to(vault_path.parent, target_is_directory=True)
    with Vault.open(vault_path, PASSPHRASE):
        proc = run_cli(
            "verify",
            "--vault",
            str(linked_folder / "vault.dsl"),
            "--passphrase-stdin",
            stdin=PASSPHRASE + "\n",
        )
    assert proc.returncode == 4, proc.stderr
    assert proc.stderr.startswith("dsl-tui: The vault is open in another dsl-tui")


async def test_the_app_says_in_one_sentence_that_it_stopped_saving(vault_path: Path) -> None:
    """The app's copy loses its lock to another: locking (which audits) shows the sentence as a
    notice, never a traceback, and the other copy's vault is whole."""
    from helpers_app import notices, type_text, wait_until

    from dsl_tui import session
    from dsl_tui.screens.app import DslApp
    from dsl_tui.screens.dashboard import DashboardScreen
    from dsl_tui.screens.unlock import UnlockScreen

    session.lock(session.create(vault_path, "Morgan Testwood", "DSL", PASSPHRASE))
    app = DslApp(vault_path=vault_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        lock_path(vault_path).unlink()
        with Vault.open(vault_path, PASSPHRASE) as other:
            other.db.table("notes").insert({"text": "saved by the other copy"})
            await pilot.press("ctrl+l")
            await wait_until(pilot, lambda: isinstance(app.screen, UnlockScreen))
            assert any("stopped saving" in n for n in notices(app)), notices(app)
    assert _notes(vault_path) == {"saved by the other copy"}
