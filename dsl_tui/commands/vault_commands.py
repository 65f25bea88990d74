"""``dsl-tui init | verify | passwd | rekey | users | backup | restore``: the vault from the command
line.

With ``--passphrase-stdin`` passphrases are read one a line, in the order they are needed: the
vault's first, then a new passphrase; a new passphrase may be followed by a confirming line, which
must match (``init``: one line, or two that match).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from dsl_tui import cli
from dsl_tui.errors import UsageError
from dsl_tui.vault import Vault
from dsl_tui.vault.restore_loss import RestoreLoss
from dsl_tui.vault.rotation import Rotation


def _new_passphrase(args: argparse.Namespace, prompt: str) -> str:
    """A new passphrase: twice at a terminal; one line (or two that match) from stdin."""
    first = cli.read_passphrase(args, prompt)
    if args.passphrase_stdin and not cli.more_stdin_lines():
        return first
    if cli.read_passphrase(args, "Again: ") != first:
        raise UsageError("The two passphrases differ; nothing was changed.")
    return first


def _open(args: argparse.Namespace) -> Vault:
    path = cli.vault_path(args)
    if not path.is_file():
        return Vault.open(path, "")  # raises VaultMissing before asking for anything
    vault = Vault.open(path, cli.read_passphrase(args, "Vault passphrase: "))
    cli.warn_rollback(vault.rollback_warning)
    for note in vault.rotation_notes:  # open carried on a key rotation left under way
        print(f"dsl-tui: {note}", file=sys.stderr)
    return vault


def _rotated(done: Rotation, first: str) -> int:
    """Say what a key rotation did (and any backup removed or work left); exit 1 if work is left:
    until it is done, a file may still open with an old passphrase."""
    print(f"{first}; {done.summary()}", file=sys.stderr)
    for note in done.notes():
        print(f"dsl-tui: {note}", file=sys.stderr)
    return 0 if done.finished else 1


def cmd_init(args: argparse.Namespace) -> int:
    """Create a vault with its first user."""
    path = cli.vault_path(args)
    if path.exists():
        from dsl_tui.errors import VaultExists

        raise VaultExists("A vault already exists at this path; open it instead.")
    passphrase = _new_passphrase(args, f"New passphrase for {args.user}: ")
    with Vault.create(path, args.user, passphrase, role=args.role) as vault:
        print(f"Created a vault for {vault.user} ({vault.role}) at {path}", file=sys.stderr)
    return 0


def _audit_problems(vault: Vault) -> list[str]:
    """The audit chain's problems (none when the chain is whole)."""
    from dsl_tui.audit import verify_chain

    return list(verify_chain(vault.db))


def _evidence_problems(vault: Vault) -> list[str]:
    """Evidence files a case refers to that are not there, and files no case refers to (by id:
    an id names no one)."""
    referenced = {
        str(doc["blob_id"]) for doc in vault.db.table("evidence").all() if doc.get("blob_id")
    }
    present = vault.blob_ids()
    missing = sorted(referenced - present)
    orphaned = sorted(present - referenced)
    return [
        *(f"Evidence file {b} is missing: a case refers to it." for b in missing),
        *(f"Evidence file {b} is orphaned: no case refers to it." for b in orphaned),
    ]


def cmd_verify(args: argparse.Namespace) -> int:
    """Decrypt and authenticate everything, then check the audit chain if there is one."""
    with _open(args) as vault:
        problems = vault.verify()
        problems.extend(_audit_problems(vault))
        problems.extend(_evidence_problems(vault))
        generation = vault.generation
    for problem in problems:
        print(f"dsl-tui: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"The vault is sound (save {generation}).")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    """Change the passphrase of the user who unlocks."""
    with _open(args) as vault:
        done = vault.change_passphrase(_new_passphrase(args, "New passphrase: "))
        return _rotated(done, f"Changed the passphrase of {vault.user}")


def cmd_rekey(args: argparse.Namespace) -> int:
    """Rotate the data key: re-seal the vault, evidence and backups (passphrases unchanged)."""
    with _open(args) as vault:
        return _rotated(vault.rekey(), "Rotated the data key")


def cmd_users_add(args: argparse.Namespace) -> int:
    """Give another user (a deputy DSL) their own key."""
    with _open(args) as vault:
        vault.add_user(
            args.name, _new_passphrase(args, f"Passphrase for {args.name}: "), role=args.role
        )
        print(f"Added {args.name} ({args.role}).", file=sys.stderr)
    return 0


def cmd_users_remove(args: argparse.Namespace) -> int:
    """Remove a user's key and re-encrypt everything with a new data key."""
    with _open(args) as vault:
        return _rotated(vault.remove_user(args.name), f"Removed {args.name}")


def cmd_users_list(args: argparse.Namespace) -> int:
    """Everyone who has a key, one a line: name, role, date added."""
    with _open(args) as vault:
        for user in vault.users():
            added = user.added_at.date().isoformat() if user.added_at else ""
            print(f"{user.name}\t{user.role}\t{added}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Write an encrypted backup and print its path."""
    with _open(args) as vault:
        print(vault.backup())
    return 0


def _confirm_restore(args: argparse.Namespace) -> Callable[[RestoreLoss], bool]:
    """Say what a restore would undo, then ask (or take ``--yes``)."""

    def confirm(loss: RestoreLoss) -> bool:
        for sentence in loss.sentences():
            print(f"dsl-tui: warning: {sentence}", file=sys.stderr)
        return cli.confirm(
            args,
            "Restore this backup anyway?",
            "Nothing was restored: run the restore again with --yes to restore this backup anyway.",
        )

    return confirm


def cmd_restore(args: argparse.Namespace) -> int:
    """Put a backup back as the vault (the one replaced is kept in the backups folder)."""
    path = cli.vault_path(args)
    passphrase = cli.read_passphrase(args, "Backup's passphrase: ")
    folder = Vault.restore(path, args.file, passphrase, confirm=_confirm_restore(args))
    print(f"Restored the backup; the vault it replaced is kept in {folder}.", file=sys.stderr)
    return 0


def register(subparsers: cli.Subcommands) -> None:
    """Add the vault subcommands."""
    p = subparsers.add_parser("init", help="create a vault without the TUI")
    cli.add_common(p)
    p.add_argument("--user", required=True, help="your name, as colleagues know you")
    p.add_argument("--role", default="DSL", help="your role (default: DSL)")
    p.set_defaults(func=cmd_init)

    p = subparsers.add_parser("verify", help="decrypt and check the vault and the audit chain")
    cli.add_common(p)
    p.set_defaults(func=cmd_verify)

    p = subparsers.add_parser("passwd", help="change your passphrase")
    cli.add_common(p)
    p.set_defaults(func=cmd_passwd)

    p = subparsers.add_parser(
        "rekey", help="rotate the data key: re-seal the vault, evidence and backups"
    )
    cli.add_common(p)
    p.set_defaults(func=cmd_rekey)

    p = subparsers.add_parser("users", help="who has a key: add, remove, list")
    users = p.add_subparsers(dest="users_command", metavar="ACTION", parser_class=type(p))
    users.required = True
    q = users.add_parser("add", help="give a deputy DSL their own key")
    cli.add_common(q)
    q.add_argument("name")
    q.add_argument("--role", default="deputy DSL", help="their role (default: deputy DSL)")
    q.set_defaults(func=cmd_users_add)
    q = users.add_parser("remove", help="remove a user and rotate the data key")
    cli.add_common(q)
    q.add_argument("name")
    q.set_defaults(func=cmd_users_remove)
    q = users.add_parser("list", help="list everyone who has a key")
    cli.add_common(q)
    q.set_defaults(func=cmd_users_list)

    p = subparsers.add_parser("backup", help="write an encrypted backup; prints its path")
    cli.add_common(p)
    p.set_defaults(func=cmd_backup)

    p = subparsers.add_parser("restore", help="put a backup back as the vault")
    cli.add_common(p)
    p.add_argument("file", help="the backup file")
    p.add_argument(
        "--yes",
        action="store_true",
        help="restore even if saves made since the backup are undone or a removed user regains "
        "access (said on stderr first)",
    )
    p.set_defaults(func=cmd_restore)
