"""The casebook: the repository the UI, the CLI and the export talk to (docs/architecture.md)."""

from dsl_tui.casebook.blobs import MemoryBlobs
from dsl_tui.casebook.cases import Casebook

__all__ = ["Casebook", "MemoryBlobs"]
