"""Error types the domain raises; the app factory maps each to one HTTP status
and an application/problem+json body. Nothing here imports Flask."""

from __future__ import annotations

from typing import Any


class RelayError(Exception):
    status = 500
    title = "Internal error"
    slug = "internal"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        errors: dict[str, list[str]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = dict(errors or {})
        if field and field not in self.errors:
            self.errors[field] = [detail]
        self.extra = extra

    def within(self, prefix: str) -> RelayError:
        """The same problem about a part of a larger document, its fields named under
        `prefix`: a calendar's `week.mon.0` sent as a request's `definition` is
        `definition.week.mon.0`. The domain names fields of what it checks; the caller
        knows where that sits."""
        # A copy made without __init__, whose signature differs between subclasses.
        moved = type(self).__new__(type(self), *self.args)
        moved.__dict__.update(self.__dict__)
        moved.errors = {f"{prefix}.{name}" if name else prefix: messages for name, messages in self.errors.items()}
        return moved


class BadRequest(RelayError):
    status, title, slug = 400, "Bad request", "bad-request"


class InvalidInput(RelayError):
    status, title, slug = 422, "Invalid input", "invalid-input"


class NotAuthenticated(RelayError):
    status, title, slug = 401, "Not authenticated", "not-authenticated"


class Forbidden(RelayError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(RelayError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(RelayError):
    status, title, slug = 409, "Conflict", "conflict"


class PayloadTooLarge(RelayError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


class UnsupportedMediaType(RelayError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class Unavailable(RelayError):
    status, title, slug = 503, "Service unavailable", "unavailable"


class TooManyRequests(RelayError):
    status, title, slug = 429, "Too many requests", "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int, limit: int, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after
        # Sent as headers with the problem (the app factory adds every error's `headers`).
        self.headers = {"Retry-After": str(retry_after), "RateLimit-Limit": str(limit), "RateLimit-Remaining": "0"}


def problem_body(err: RelayError, correlation_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"https://relay.dev/problems/{err.slug}",
        "title": err.title,
        "status": err.status,
        "detail": err.detail,
    }
    if err.errors:
        body["errors"] = [
            {"field": field, "message": message} for field, messages in err.errors.items() for message in messages
        ]
    body.update(err.extra)
    if correlation_id:
        body["correlation_id"] = correlation_id
    return body
