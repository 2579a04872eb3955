"""GET /tickets/{n}/comments writes its page without the schema's dump (a long
conversation's dump was half the route's time): what it answers must be exactly what
CommentPageSchema would write, for every kind of comment."""

from __future__ import annotations

import io

from test_activity_api import comment, customer_ticket, desk  # noqa: F401 (the fixture)

from relay_tickets.entrypoints.api_activity import _comment_row_out
from relay_tickets.entrypoints.schemas_activity import CommentPageSchema
from relay_tickets.service_layer import activity


def test_the_comment_page_is_what_the_schema_would_write(desk):  # noqa: F811
    t = customer_ticket(desk)
    n = t["number"]
    assert comment(desk.api, n, desk.staff, body="Public words").status_code == 201
    assert comment(desk.api, n, desk.staff, body="Private words", public=False).status_code == 201
    assert comment(desk.api, n, desk.staff, body="<p>Some <b>HTML</b></p>", format="html").status_code == 201
    with_file = desk.api.post(
        f"/tickets/{n}/comments",
        data={"body": "With a file", "attachments": (io.BytesIO(b"log line\n"), "printer.log", "text/plain")},
        content_type="multipart/form-data",
        headers=desk.staff,
    )
    assert with_file.status_code == 201, with_file.get_json()
    assert comment(desk.api, n, desk.customer, body="The customer's words").status_code == 201

    for headers, viewer_role in ((desk.staff, "staff"), (desk.customer, "contact")):
        answer = desk.api.get(f"/tickets/{n}/comments?limit=3", headers=headers)
        assert answer.status_code == 200
        got = answer.get_json()
        with desk.rt.app.test_request_context():  # the rows' download URLs are the app's
            viewer = _viewer(desk, viewer_role)
            page = activity.list_comments(desk.rt, n, viewer, limit=3)
            rows = [_comment_row_out(n, r, by_contact=viewer.is_contact) for r in page.items]
            expected = CommentPageSchema().dump({"items": rows, "next_cursor": page.next_cursor})
        assert got == expected
        assert got["items"] and all(isinstance(c["created_at"], str) for c in got["items"])
        if viewer_role == "staff":
            assert got["next_cursor"] is not None
            files = [a for c in got["items"] for a in c["attachments"]]
            rest = desk.api.get(f"/tickets/{n}/comments?cursor={got['next_cursor']}", headers=headers).get_json()
            files += [a for c in rest["items"] for a in c["attachments"]]
            assert [a["filename"] for a in files] == ["printer.log"]


def _viewer(d, role: str):
    from relay_tickets.adapters.references import References
    from relay_tickets.domain.access import Viewer
    from relaykit.identity import ADMINISTRATOR, CONTACT, Identity

    if role == "contact":
        with d.rt.db.reading() as s:
            scope = References(s).contact_scope(d.contact)
        return Viewer(Identity(d.contact, CONTACT), scope)
    return Viewer(Identity(d.agent, ADMINISTRATOR))
