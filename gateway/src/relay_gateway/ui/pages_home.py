"""The landing page after signing in: the ticket list."""

from __future__ import annotations

from flask import Response, redirect, url_for

from relay_gateway.ui.web import STAFF, bp, page


@bp.get("/ui")
@page(STAFF)
def home() -> Response:
    return redirect(url_for("ui.ticket_list"))
