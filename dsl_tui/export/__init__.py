"""Case files for senior managers and school transfers (age v1 encrypted zips), and their import.

The entry points (docs/architecture.md): ``export_cases``, ``generate_passphrase``,
``open_case_file``, ``import_case_file`` and ``keygen``. The format: docs/case-file-schema.md.
"""

from __future__ import annotations

from dsl_tui.export.exporter import (
    ExportResult,
    cases_of_person,
    export_cases,
    generate_passphrase,
)
from dsl_tui.export.importer import CaseFile, HostileFile, Limits, open_case_file
from dsl_tui.export.keys import keygen, load_identities
from dsl_tui.export.package import receipt_code
from dsl_tui.export.transfers import (
    ImportResult,
    Transfer,
    acknowledge,
    import_case_file,
    transfers,
)

__all__ = [
    "CaseFile",
    "ExportResult",
    "HostileFile",
    "ImportResult",
    "Limits",
    "Transfer",
    "acknowledge",
    "cases_of_person",
    "export_cases",
    "generate_passphrase",
    "import_case_file",
    "keygen",
    "load_identities",
    "open_case_file",
    "receipt_code",
    "transfers",
]
