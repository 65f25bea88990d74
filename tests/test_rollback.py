"""A rolled-back vault is said everywhere, and a restore says what it undoes (issue #13 finding 3):
every command warns on stderr, the app keeps a banner on the dashboard, and `restore` of an older
backup names the saves and cases it undoes and any removed user it lets back in, then asks."""
# ruff: noqa: F811 - pytest fixtures are imported from helpers_vault

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers_app import type_text, wait_until
from helpers_vault import (  # noqa: F401 - fixtures
    DEPUTY,
    DEPUTY_PASSPHRASE,
    PASSPHRASE,
    make_vault,
    run_cli,
    state_dir,
    vault_path,
)
from textual.widgets import Static

from dsl_tui import session
from dsl_tui.errors import UsageError
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.dashboard import DashboardScreen
from dsl_tui.vault import Vault
from dsl_tui.vault.restore_loss import RestoreLoss

ROLLED_BACK = "warning: This vault is older than one opened here before"


def _cli(vault: Path, *args: str, stdin: str = PASSPHRASE) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, "--vault", str(vault), "--passphrase-stdin", stdin=stdin + "\n")


def _rolled_back(path: Path) -> None:
    """A vault with cases, put back to an older copy of itself after more saves were seen."""
    session.lock(session.create(path, "Morgan Testwood", "DSL", PASSPHRASE))
    older = path.read_bytes()
    assert _cli(path, "demo-data", "--cases", "3").returncode == 0
    path.write_bytes(older)


@pytest.mark.parametrize(
    "command",
    [
        ["users", "list"],
        ["backup"],
        ["export", "--list"],
        ["report"],
        ["demo-data", "--cases", "1"],
    ],
    ids=" ".join,
)
def test_every_command_says_the_vault_was_rolled_back(vault_path: Path, command: list[str]) -> None:
    _rolled_back(vault_path)
    proc = _cli(vault_path, *command)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if ROLLED_BACK in line]
    assert len(warnings) == 1, proc.stderr
    assert warnings[0].startswith("dsl-tui: warning: ") and warnings[0].endswith(".")


def test_a_vault_as_new_as_last_seen_is_not_warned(vault_path: Path) -> None:
    session.lock(session.create(vault_path, "Morgan Testwood", "DSL", PASSPHRASE))
    proc = _cli(vault_path, "export", "--list")
    assert proc.returncode == 0 and "warning" not in proc.stderr


def _banner(app: DslApp) -> Static:
    return app.screen.query_one("#rollback", Static)


async def test_the_dashboard_keeps_a_banner_while_the_vault_is_rolled_back(
    vault_path: Path,
) -> None:
    _rolled_back(vault_path)
    app = DslApp(vault_path=vault_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        for key in ("c", "a", "o"):  # still there whatever the DSL does on the dashboard
            await pilot.press(key)
            await pilot.pause()
            banner = _banner(app)
            assert banner.display and banner.region.height >= 1
            assert "WARNING: This vault is older" in str(banner.render())


async def test_no_banner_on_a_vault_as_new_as_last_seen(vault_path: Path) -> None:
    session.lock(session.create(vault_path, "Morgan Testwood", "DSL", PASSPHRASE))
    app = DslApp(vault_path=vault_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        assert not _banner(app).display


def test_restoring_an_older_backup_says_what_is_undone_and_asks(vault_path: Path) -> None:
    session.lock(session.create(vault_path, "Morgan Testwood", "DSL", PASSPHRASE))
    backup = Path(_cli(vault_path, "backup").stdout.strip())
    assert _cli(vault_path, "demo-data", "--cases", "3").returncode == 0
    before = vault_path.read_bytes()

    refused = _cli(vault_path, "restore", str(backup))
    assert refused.returncode == 2, refused.stderr
    assert "including 3 case(s) created since" in refused.stderr
    assert "undoes" in refused.stderr and "--yes" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert vault_path.read_bytes() == before, "nothing is restored without a yes"

    done = run_cli("restore", str(backup), "--yes", "--vault", str(vault_path),
                   "--passphrase-stdin", stdin=PASSPHRASE + "\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "including 3 case(s) created since" in done.stderr
    listed = _cli(vault_path, "export", "--list")
    assert listed.returncode == 0 and listed.stdout.strip() == ""
    assert "warning" not in listed.stderr, "a restore the DSL chose is not a rollback"


def test_restoring_a_backup_from_before_users_remove_warns_that_they_regain_access(
    vault_path: Path, tmp_path: Path
) -> None:
    with make_vault(vault_path) as vault:
        vault.add_user(DEPUTY, DEPUTY_PASSPHRASE)
        kept = vault.backup()
    usb = tmp_path / "usb"
    usb.mkdir()
    old = shutil.copy(kept, usb / "old.bak")  # e.g. a copy the DSL kept on a memory stick
    with Vault.open(vault_path, PASSPHRASE) as vault:
        vault.remove_user(DEPUTY)
    before = vault_path.read_bytes()

    asked: list[RestoreLoss] = []

    def decline(loss: RestoreLoss) -> bool:
        asked.append(loss)
        return False

    with pytest.raises(UsageError, match="Nothing was restored"):
        Vault.restore(vault_path, old, PASSPHRASE, confirm=decline)
    assert vault_path.read_bytes() == before
    (loss,) = asked
    assert loss.regain_access == (DEPUTY,)
    assert any(DEPUTY in s and "open the vault again" in s for s in loss.sentences())

    proc = run_cli("restore", str(old), "--yes", "--vault", str(vault_path),
                   "--passphrase-stdin", stdin=PASSPHRASE + "\n")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"before {DEPUTY} lost their key" in proc.stderr
