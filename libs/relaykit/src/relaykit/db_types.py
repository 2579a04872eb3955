"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC in and out; SQLite would otherwise hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAME_KEY_LENGTH = 64


def name_key(name: str) -> str:
    """What a name is unique by, the same on every database: "Ärger", "ärger" and "ÄRGER "
    are one name. SQLite's lower() folds only ASCII and PostgreSQL's follows the database's
    locale, so the fold (NFKC, case-folded, trimmed) is done here and stored in a column
    with a unique index (NAME_KEY_LENGTH: a digest, as folding can lengthen a name)."""
    folded = unicodedata.normalize("NFKC", name).casefold().strip()
    return hashlib.sha256(folded.encode()).hexdigest()
