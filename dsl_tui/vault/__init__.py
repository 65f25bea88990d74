"""The encrypted vault: key slots, authenticated encryption, the journalled TinyDB storage, atomic
writes, the single-writer lock, backups and evidence blobs (see docs/storage.md)."""

from dsl_tui.vault.journal import CompactionPolicy
from dsl_tui.vault.kdf import KdfParams
from dsl_tui.vault.passphrase import check_passphrase
from dsl_tui.vault.users import SlotUser
from dsl_tui.vault.vault import Vault

__all__ = ["CompactionPolicy", "KdfParams", "SlotUser", "Vault", "check_passphrase"]
