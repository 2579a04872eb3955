"""Files a desk refuses (executables by default, told by their bytes and by their name;
HTML and any extension when an administrator says so), file names that would mislead
(bidirectional overrides, paths, control characters), and how every download is served
(an attachment, never sniffed, in a sandbox, with its name in RFC 6266 form)."""

from __future__ import annotations

import struct
import urllib.parse

import pytest
from helpers import ADMIN, LEAD, SPECIALIST, SYSTEM, ok, problem
from test_activity_api import SPEC, customer_ticket, make_desk
from test_attachments import PDF, PNG, stored_files, upload

from relay_tickets.domain.comments import clean_filename
from relay_tickets.domain.file_types import EXECUTABLE, HTML, clean_refused, kinds_of, refusal
from relaykit.errors import InvalidInput

PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00" + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
MACHO = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 24
SCRIPT = b"#!/bin/sh\nrm -rf ~\n"


def _zip(first_entry: bytes) -> bytes:
    header = b"PK\x03\x04" + b"\x14\x00" + b"\x00" * 20 + struct.pack("<HH", len(first_entry), 0)
    return header + first_entry + b"\x00" * 40


JAR = _zip(b"META-INF/MANIFEST.MF")
DOCX = _zip(b"[Content_Types].xml")


@pytest.fixture
def desk(harness, bus_namespace):
    return make_desk(harness.runtime(SPEC, namespace=bus_namespace, max_body_bytes=64 * 1024))


def _ticket(desk) -> int:
    return ok(desk.api.post("/tickets", json={"subject": "Files"}, headers=desk.staff), 201)["number"]


# -- what a file is ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "head", "kinds"),
    [
        ("setup.exe", b"", {EXECUTABLE}),
        ("report.pdf", PE, {EXECUTABLE}),  # the bytes decide: a renamed program is still one
        ("tool", ELF, {EXECUTABLE}),
        ("app.bin", MACHO, {EXECUTABLE}),
        ("cleanup.txt", SCRIPT, {EXECUTABLE}),
        ("library.zip", JAR, {EXECUTABLE}),
        ("letter.docx", DOCX, set()),
        ("run.BAT", b"echo off", {EXECUTABLE}),
        ("invoice.pdf.vbs", b"MsgBox 1", {EXECUTABLE}),
        ("update.ps1  . ", b"Get-Item", {EXECUTABLE}),  # trailing dots and blanks hide nothing
        ("notes.txt", b"MZ Corp quarterly notes\n", set()),  # text that starts with MZ
        ("page.htm", b"hello", {HTML}),
        ("drawing", b"<?xml version='1.0'?>\n<svg onload=alert(1)>", {HTML}),
        ("x.dat", b"\xef\xbb\xbf  <!DOCTYPE html><p>", {HTML}),
        ("photo.png", PNG, set()),
        ("manual.pdf", PDF, set()),
        ("README", b"plain words", set()),
    ],
)
def test_a_file_is_told_by_its_bytes_and_by_its_name(name, head, kinds):
    assert kinds_of(name, head) == kinds


def test_a_refusal_names_the_file_and_extensions_count_too():
    assert "'setup.exe' is an executable" in refusal("setup.exe", b"", ["executable"])
    assert refusal("setup.exe", b"", []) is None
    assert refusal("page.html", b"", ["executable"]) is None
    assert "HTML" in refusal("page.html", b"", ["html"])
    assert ".iso" in refusal("Disk.ISO", b"", [".iso"])


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (["Executable", " .ISO ", "html", ".iso"], ["executable", ".iso", "html"]),
        ([], []),
    ],
)
def test_the_setting_is_kinds_and_extensions(given, stored):
    assert clean_refused(given) == stored


@pytest.mark.parametrize(
    ("given", "field"),
    [
        (["programs"], "refused_file_types.0"),
        ([".iso", "iso"], "refused_file_types.1"),
        ([".a/b"], "refused_file_types.0"),
        ([".x" * 10], "refused_file_types.0"),
        ([""], "refused_file_types.0"),
        ("executable", "refused_file_types"),
        ([".e"] * 101, "refused_file_types"),
    ],
)
def test_a_setting_that_is_neither_a_kind_nor_an_extension_is_refused(given, field):
    with pytest.raises(InvalidInput) as e:
        clean_refused(given)
    assert field in e.value.errors


# -- refusing on upload ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["comments", "attachments"])
@pytest.mark.parametrize(
    ("name", "content"),
    [("setup.exe", b"anything"), ("holiday photos.jpg", PE), ("fix.txt", SCRIPT), ("gpj\u202e.exe", b"x")],
)
def test_executables_are_refused_by_default_with_a_422_naming_the_file(desk, path, name, content):
    n = _ticket(desk)
    files = [("fine.txt", b"ok", "text/plain"), (name, content, "application/octet-stream")]
    body = problem(upload(desk, n, desk.staff, files, path=path), 422, "attachments.1")
    assert clean_filename(name) in body["detail"] and body["filename"] == clean_filename(name)
    assert stored_files(desk) == []  # neither file is kept
    assert ok(desk.api.get(f"/tickets/{n}/attachments", headers=desk.staff))["items"] == []


def test_customers_are_refused_executables_too(desk):
    n = ok(desk.api.post("/tickets", json={"subject": "Mine"}, headers=desk.customer), 201)["number"]
    problem(upload(desk, n, desk.customer, [("invoice.scr", PE, "application/pdf")]), 422, "attachments.0")
    assert stored_files(desk) == []


def test_an_administrator_sets_what_is_refused(desk):
    api, n = desk.api, _ticket(desk)
    assert ok(api.get("/settings/desk", headers=SPECIALIST))["refused_file_types"] == ["executable"]
    for who in (SPECIALIST, LEAD, SYSTEM, desk.customer):
        problem(api.patch("/settings/desk", json={"refused_file_types": []}, headers=who), 403)
    problem(
        api.patch("/settings/desk", json={"refused_file_types": ["exe"]}, headers=ADMIN), 422, "refused_file_types.0"
    )
    got = ok(api.patch("/settings/desk", json={"refused_file_types": ["HTML", ".iso", "executable"]}, headers=ADMIN))
    assert got["refused_file_types"] == ["html", ".iso", "executable"]
    problem(upload(desk, n, desk.staff, [("page.html", b"<p>hi</p>", "text/html")]), 422, "attachments.0")
    problem(upload(desk, n, desk.staff, [("disk.iso", b"\x00" * 64, "application/octet-stream")]), 422, "attachments.0")

    ok(api.patch("/settings/desk", json={"refused_file_types": []}, headers=ADMIN))
    r = upload(desk, n, desk.staff, [("setup.exe", PE, "application/x-msdownload")])
    assert r.status_code == 201, r.get_json()
    download = api.get(r.get_json()["attachments"][0]["url"], headers=desk.staff)
    assert download.data == PE and download.headers["Content-Disposition"].startswith("attachment;")
    history = ok(api.get("/settings/history?kind=desk", headers=SPECIALIST))["items"]
    assert [(h["old"], h["new"]) for h in history if h["field"] == "refused_file_types"][-1] == (
        ["html", ".iso", "executable"],
        [],
    )


# -- names and downloads -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "clean"),
    [
        ("photo\u202egpj.exe", "photogpj.exe"),  # shown as "photoexe.jpg" before
        ("\u2066report\u2069\u200e\u200f\u061c.pdf", "report.pdf"),
        ("a\u202a\u202b\u202c\u202d\u2067\u2068b.txt", "ab.txt"),
        ("line\u2028break\u2029.txt", "linebreak.txt"),
        ("..\\..\\Windows\\system32\\evil.txt", "evil.txt"),
        ("tab\there\r\n.txt", "tabhere.txt"),
    ],
)
def test_bidirectional_overrides_separators_and_paths_leave_file_names(given, clean):
    assert clean_filename(given) == clean


def test_every_download_is_an_attachment_never_sniffed_in_a_sandbox_with_its_name_in_rfc_6266_form(desk):
    n = customer_ticket(desk)["number"]
    name = "Отчёт \u202e№5 «итог».pdf"
    files = [(name, PDF, "application/pdf"), ("page.html", b"<html><script>alert(1)</script>", "text/html")]
    got = ok(upload(desk, n, desk.staff, files, public="true"), 201)["attachments"]
    assert got[0]["filename"] == "Отчёт №5 «итог».pdf"
    for attachment, headers in [(got[0], desk.staff), (got[1], desk.customer)]:
        r = desk.api.get(attachment["url"], headers=headers)
        assert r.status_code == 200
        disposition = r.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        policy = [d.strip() for d in r.headers["Content-Security-Policy"].split(";")]
        assert {"sandbox", "default-src 'none'", "frame-ancestors 'none'"} <= set(policy)
        assert r.headers["Referrer-Policy"]  # the kit's other defaults are there too
        assert len(r.headers.getlist("Content-Security-Policy")) == 1  # the kit's default did not add its own
    r = desk.api.get(got[0]["url"], headers=desk.staff)
    disposition = r.headers["Content-Disposition"]
    encoded = disposition.split("filename*=", 1)[1]
    assert encoded.startswith("UTF-8''") and urllib.parse.unquote(encoded[7:]) == "Отчёт №5 «итог».pdf"
    assert disposition.isascii() and "\u202e" not in urllib.parse.unquote(disposition)
    html = desk.api.get(got[1]["url"], headers=desk.staff)
    assert html.mimetype == "application/octet-stream"  # a page is never served as one
