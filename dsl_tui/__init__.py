"""dsl-tui: offline, encrypted triage and case work for a school's Designated Safeguarding Lead.

This package is the domain and the command line. It never imports Textual, except where
``dsl_tui.cli`` launches the app from ``screens``.
"""

#: The one version number: pyproject.toml reads it from here (setuptools dynamic version).
__version__ = "0.1.0"
