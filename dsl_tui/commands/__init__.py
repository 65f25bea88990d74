"""Subcommands of the dsl-tui command line, one module per group."""
