"""The trust's playbook and fictional demo data, shipped inside the wheel as dsl_tui.data."""
