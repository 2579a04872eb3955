"""Public holidays of a country (and optionally a subdivision) as calendar exception entries,
from the `holidays` package, in the JSON form `parse_calendar` reads."""

from __future__ import annotations

from typing import Any

from relaykit.errors import InvalidInput

MIN_YEAR, MAX_YEAR = 1900, 2100


def import_holidays(country: str, year: int, subdivision: str | None = None) -> list[dict[str, Any]]:
    """[{"date": "YYYY-MM-DD", "intervals": [], "name": ...}, ...] sorted by date; days with
    several holidays get one entry whose names are joined with "; "."""
    # Imported here: the package is large and only this administrative action needs it,
    # so the calendar arithmetic stays cheap to import.
    import holidays

    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"year must be a whole number from {MIN_YEAR} to {MAX_YEAR}", field="year")
    if not isinstance(country, str) or not country.strip():
        raise InvalidInput("country must be an ISO 3166-1 alpha-2 code such as DE", field="country")
    code = country.strip().upper()
    if code not in holidays.list_supported_countries():
        raise InvalidInput(f"no holiday data for country {country!r}; use an ISO code such as DE", field="country")
    try:
        found = holidays.country_holidays(code, subdiv=subdivision, years=year)
    except NotImplementedError:
        raise InvalidInput(f"{code} has no subdivision {subdivision!r}", field="subdivision") from None
    return [{"date": day.isoformat(), "intervals": [], "name": name} for day, name in sorted(found.items())]
