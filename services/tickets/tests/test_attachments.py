"""Attachments: streamed to the store with their checksum and sniffed type, limited
in size by the desk setting, and readable only by whom may read their comment."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
import seed
from helpers import outbox_messages, problem
from sqlalchemy import func, select
from test_activity_api import (
    SPEC,
    Desk,
    add_contact,
    as_contact,
    customer_ticket,
    make_desk,
    set_desk,
)

from relay_tickets.adapters.attachments import AttachmentStore, choose_content_type
from relay_tickets.adapters.tables.activity import attachments, comments
from relay_tickets.domain.comments import clean_filename

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n" + b"x" * 500


@pytest.fixture
def desk(harness, bus_namespace) -> Desk:
    return make_desk(harness.runtime(SPEC, namespace=bus_namespace, max_body_bytes=64 * 1024))


def store_root(desk: Desk) -> Path:
    return Path(desk.rt.settings.data_dir) / "attachments"


def stored_files(desk: Desk) -> list[Path]:
    return sorted(p for p in store_root(desk).rglob("*") if p.is_file())


def upload(desk: Desk, number: int, headers, files, path="comments", **fields):
    data = {k: str(v) for k, v in fields.items()}
    if path == "comments":
        data.setdefault("body", "see attached")
    data["attachments"] = [(io.BytesIO(content), name, ctype) for name, content, ctype in files]
    return desk.api.post(f"/tickets/{number}/{path}", data=data, headers=headers, content_type="multipart/form-data")


def test_files_are_stored_by_content_with_checksum_size_and_sniffed_type(desk):
    n = customer_ticket(desk)["number"]
    notes = b"line one\nline two\n"
    r = upload(
        desk,
        n,
        desk.staff,
        [
            ("/home/anna/../photo of jam.png", PNG, "application/octet-stream"),
            ("../../etc/notes.txt", notes, "text/plain; charset=utf-8"),
            ("invoice.html", b"<html><script>alert(1)</script></html>", "text/html"),
            ("manual.pdf", PDF, "text/plain"),
        ],
        public="true",
    )
    assert r.status_code == 201, r.get_json()
    got = r.get_json()["attachments"]
    assert [(a["filename"], a["content_type"], a["size"]) for a in got] == [
        ("photo of jam.png", "image/png", len(PNG)),
        ("notes.txt", "text/plain", len(notes)),
        ("invoice.html", "application/octet-stream", 38),
        ("manual.pdf", "application/pdf", len(PDF)),
    ]
    assert got[0]["sha256"] == hashlib.sha256(PNG).hexdigest()
    for content in (PNG, notes):
        digest = hashlib.sha256(content).hexdigest()
        assert (store_root(desk) / digest[:2] / digest).read_bytes() == content
    assert not any((store_root(desk) / ".incoming").iterdir())

    with desk.rt.db.sessions() as s:
        row = s.execute(select(attachments).where(attachments.c.id == got[0]["id"])).one()
    assert row.sha256 == got[0]["sha256"] and row.storage_key == f"{row.sha256[:2]}/{row.sha256}"
    assert row.uploaded_by_kind == "employee" and row.uploaded_by_id == desk.agent and row.size == len(PNG)

    event = outbox_messages(desk.rt, "ticket.comment_added")[-1]["data"]["comment"]
    assert event["attachments"] == [
        {"id": a["id"], "filename": a["filename"], "content_type": a["content_type"], "size": a["size"]} for a in got
    ]

    d = desk.api.get(got[0]["url"], headers=desk.staff)
    assert d.status_code == 200 and d.data == PNG and d.mimetype == "image/png"
    assert d.headers["Content-Disposition"].startswith("attachment;")
    assert "photo" in d.headers["Content-Disposition"]
    assert d.headers["X-Content-Type-Options"] == "nosniff"
    h = desk.api.get(got[2]["url"], headers=desk.staff)
    assert h.mimetype == "application/octet-stream" and h.headers["Content-Disposition"].startswith("attachment;")


def test_a_download_answers_what_its_declaration_documents(desk):
    n = customer_ticket(desk)["number"]
    got = upload(desk, n, desk.staff, [("report.pdf", PDF, "application/pdf")]).get_json()["attachments"][0]
    whole = desk.api.get(got["url"], headers=desk.staff)
    assert whole.status_code == 200 and whole.headers["ETag"] == f'"{got["sha256"]}"'
    same = desk.api.get(got["url"], headers={**desk.staff, "If-None-Match": whole.headers["ETag"]})
    assert same.status_code == 304 and same.data == b""
    part = desk.api.get(got["url"], headers={**desk.staff, "Range": "bytes=0-3"})
    assert part.status_code == 206 and part.data == PDF[:4]
    beyond = desk.api.get(got["url"], headers={**desk.staff, "Range": f"bytes={len(PDF) + 10}-"})
    problem(beyond, 416)

    op = desk.api.get("/openapi.json").get_json()["paths"]["/tickets/{number}/attachments/{attachment_id}"]["get"]
    assert set(op["responses"]) >= {"200", "206", "304", "404", "416"}
    assert list(op["responses"]["200"]["content"]) == ["*/*"]
    assert {"Content-Disposition", "ETag"} <= set(op["responses"]["200"]["headers"])
    assert {p["name"] for p in op["parameters"] if p["in"] == "header"} == {"If-None-Match", "Range"}


def test_the_same_bytes_are_stored_once(desk):
    n = customer_ticket(desk)["number"]
    first = upload(desk, n, desk.staff, [("a.png", PNG, "image/png")]).get_json()["attachments"][0]
    second = upload(desk, n, desk.staff, [("b.png", PNG, "image/png")]).get_json()["attachments"][0]
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    assert len(stored_files(desk)) == 1
    assert desk.api.get(second["url"], headers=desk.staff).data == PNG


def test_a_file_over_the_desk_limit_is_refused_with_413_naming_it_and_nothing_is_kept(desk):
    set_desk(desk.rt, "attachment_max_bytes", 1000)
    n = customer_ticket(desk)["number"]
    r = upload(desk, n, desk.staff, [("small.txt", b"ok", "text/plain"), ("big.bin", b"x" * 1001, "application/zip")])
    body = problem(r, 413, "attachments.1")
    assert "big.bin" in body["detail"] and body["limit"] == 1000
    assert stored_files(desk) == []
    with desk.rt.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(comments)) == 0
        assert s.scalar(select(func.count()).select_from(attachments)) == 0
    assert upload(desk, n, desk.staff, [("fits.bin", b"x" * 1000, None)]).status_code == 201


def test_the_desk_limit_not_the_json_body_limit_bounds_uploads(desk):
    # The runtime takes JSON bodies up to 64 KiB; a 200 KiB file is within the desk's 10 MiB.
    n = customer_ticket(desk)["number"]
    big = PDF + b"y" * 200_000
    r = upload(desk, n, desk.staff, [("scan.pdf", big, "application/pdf")])
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["attachments"][0]["size"] == len(big)
    problem(
        desk.api.post(f"/tickets/{n}/comments", json={"body": "y" * 70_000}, headers=desk.staff),
        413,
        "body",
    )


def test_a_customer_downloads_only_files_of_public_comments_on_tickets_they_see(desk):
    n = customer_ticket(desk)["number"]
    private = upload(desk, n, desk.staff, [("diag.txt", b"internal", "text/plain")], public="false").get_json()
    public = upload(desk, n, desk.staff, [("howto.txt", b"do this", "text/plain")], public="true").get_json()
    loose = upload(desk, n, desk.staff, [("contract.pdf", PDF, "application/pdf")], path="attachments")
    assert loose.status_code == 201, loose.get_json()
    loose_id = loose.get_json()["items"][0]["id"]

    private_url = private["attachments"][0]["url"]
    public_url = public["attachments"][0]["url"]
    problem(desk.api.get(private_url, headers=desk.customer), 404, "attachment_id")
    problem(desk.api.get(f"/tickets/{n}/attachments/{loose_id}", headers=desk.customer), 404, "attachment_id")
    assert desk.api.get(public_url, headers=desk.customer).data == b"do this"
    assert desk.api.get(private_url, headers=desk.staff).data == b"internal"
    listed = desk.api.get(f"/tickets/{n}/attachments", headers=desk.customer).get_json()["items"]
    assert [a["filename"] for a in listed] == ["howto.txt"]
    staff_list = desk.api.get(f"/tickets/{n}/attachments", headers=desk.staff).get_json()["items"]
    assert sorted(a["filename"] for a in staff_list) == ["contract.pdf", "diag.txt", "howto.txt"]

    stranger = as_contact(add_contact(desk.rt, seed.company(desk.rt, "Globex"), access="company"))
    problem(desk.api.get(public_url, headers=stranger), 404, "number")
    problem(desk.api.get(f"/tickets/{n}/attachments/nope", headers=desk.staff), 404, "attachment_id")

    history = desk.api.get(f"/tickets/{n}/history", headers=desk.staff).get_json()["items"]
    assert [h["new"] for h in history if h["field"] == "attachments"] == [{"id": loose_id, "filename": "contract.pdf"}]


def test_a_customer_attaches_files_to_comments_but_not_to_the_ticket(desk):
    n = customer_ticket(desk)["number"]
    r = upload(desk, n, desk.customer, [("photo.png", PNG, "image/png")])
    assert r.status_code == 201 and r.get_json()["public"] is True
    assert desk.api.get(r.get_json()["attachments"][0]["url"], headers=desk.customer).data == PNG
    problem(upload(desk, n, desk.customer, [("x.png", PNG, "image/png")], path="attachments"), 403)


def test_nothing_is_read_or_kept_for_a_ticket_the_caller_cannot_see(desk):
    n = customer_ticket(desk)["number"]
    stranger = as_contact(add_contact(desk.rt, seed.company(desk.rt, "Globex"), access="company"))
    problem(upload(desk, n, stranger, [("x.png", PNG, "image/png")]), 404, "number")
    problem(upload(desk, 999, desk.staff, [("x.png", PNG, "image/png")]), 404, "number")
    assert stored_files(desk) == []


@pytest.mark.parametrize(
    ("fields", "files_field", "status", "field"),
    [
        ({"body": "hi", "colour": "red"}, "attachments", 422, "colour"),
        ({"body": "hi"}, "file", 422, "file"),
        ({"body": "hi", "public": "perhaps"}, "attachments", 422, "public"),
        ({"body": "hi", "mentions": "not json"}, "attachments", 422, "mentions"),
        ({"body": "hi", "mentions": '[{"kind": "employee", "id": "ghost"}]'}, "attachments", 422, "mentions.0"),
        ({"public": "true"}, "attachments", 422, "body"),
        ({"body": "hi", "public": "false"}, "attachments", 201, None),
    ],
)
def test_multipart_comments_are_checked_like_json_ones(desk, fields, files_field, status, field):
    n = customer_ticket(desk)["number"]
    data = dict(fields) | {files_field: [(io.BytesIO(b"abc"), "a.txt", "text/plain")]}
    r = desk.api.post(f"/tickets/{n}/comments", data=data, headers=desk.staff, content_type="multipart/form-data")
    if status == 201:
        assert r.status_code == 201 and r.get_json()["public"] is False
        return
    problem(r, status, field)
    assert stored_files(desk) == []


def test_a_ticket_attachment_needs_a_file_and_multipart(desk):
    n = customer_ticket(desk)["number"]
    problem(upload(desk, n, desk.staff, [], path="attachments"), 422, "attachments")
    problem(desk.api.post(f"/tickets/{n}/attachments", json={}, headers=desk.staff), 415, "Content-Type")
    too_many = [(f"{i}.txt", b"x", "text/plain") for i in range(11)]
    problem(upload(desk, n, desk.staff, too_many), 422, "attachments")
    assert stored_files(desk) == []


@pytest.mark.parametrize(
    ("given", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\temp\\report.docx", "report.docx"),
        ("bad\x00name\x1b.txt", "badname.txt"),
        ("", "attachment"),
        ("..", "attachment"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_filenames_are_names_never_paths(given, clean):
    assert clean_filename(given) == clean


@pytest.mark.parametrize(
    ("head", "declared", "stored"),
    [
        (PNG, "text/html", "image/png"),
        (b"<svg onload=alert(1)>", "image/svg+xml", "application/octet-stream"),
        (b"<html></html>", "text/html", "application/octet-stream"),
        (b"a,b\n1,2\n", "text/csv", "text/csv"),
        (b"plain", None, "application/octet-stream"),
        (b"", "text/plain", "text/plain"),
    ],
)
def test_the_content_type_comes_from_the_bytes_and_a_declared_one_only_if_harmless(head, declared, stored):
    assert choose_content_type(head, declared) == stored


def test_store_keys_are_checked_before_touching_the_disk(tmp_path):
    store = AttachmentStore(tmp_path)
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
