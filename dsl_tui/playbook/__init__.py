"""The trust's playbook: its social media policy as data, and triage of a concern against it.

One package, one idea per module:

- ``engine``: ``Playbook`` (questions one at a time, ``triage()``), ``load_playbook()``
- ``schema``: the playbook's parts as frozen dataclasses, and checks of the raw TOML tables
- ``rules``: conditions on the answers and the category, risk and step rules built from them
- ``build``: the raw TOML tables -> checked parts
- ``where``: the line of the file a bad key is on, for the error message
- ``lint``: every answer path walked, for the trust's checks and the tests
"""

from dsl_tui.playbook.engine import (
    Category,
    Playbook,
    PolicySection,
    Retention,
    School,
    load_playbook,
    load_sections,
    parse_playbook,
)

__all__ = [
    "Category",
    "Playbook",
    "PolicySection",
    "Retention",
    "School",
    "load_playbook",
    "load_sections",
    "parse_playbook",
]
