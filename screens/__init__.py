"""Textual UI of dsl-tui: the App, one module per screen. Calls only the casebook."""
