"""The SLA settings pages of the agents' UI (administrators only): service calendars
(pages_sla_calendars) and SLA rules (pages_sla_rules), everything through the SLA
service's API. The settings sub-navigation links here by the endpoint names
`ui.sla_calendars` and `ui.sla_rules`; these pages add no top-level navigation entry.
"""

from __future__ import annotations

from relay_gateway.ui import i18n, pages_sla_calendars, pages_sla_rules
from relay_gateway.ui.pages_sla_texts import RU

__all__ = ["pages_sla_calendars", "pages_sla_rules"]

i18n.add(ru=RU)
