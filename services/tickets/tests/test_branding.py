"""The desk's branding (name, colour, logo) in the desk settings: what is taken, what is
refused (naming the field), and that the history keeps no image."""

from __future__ import annotations

import base64

import pytest
from helpers import ok, problem

from relay_tickets.domain import branding
from relay_tickets.service_layer.unit_of_work import settings_store
from relaykit.testing.harness import signed

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 40
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def data_url(kind: str, data: bytes) -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def test_defaults_are_relay_blue_and_no_logo(api, admin):
    desk = ok(api.get("/settings/desk", headers=admin))
    assert (desk["brand_name"], desk["brand_colour"], desk["brand_logo"]) == ("Relay", "#1f5fbf", None)


@pytest.mark.parametrize(("kind", "data"), [("image/png", PNG), ("image/jpeg", JPEG), ("image/webp", WEBP)])
def test_name_colour_and_logo_are_kept_and_read_by_staff(api, admin, kind, data):
    logo = data_url(kind, data)
    changed = ok(
        api.patch(
            "/settings/desk",
            json={"brand_name": "  Acme   Help ", "brand_colour": "#AA3300", "brand_logo": logo},
            headers=admin,
        )
    )
    assert (changed["brand_name"], changed["brand_colour"], changed["brand_logo"]) == ("Acme Help", "#aa3300", logo)
    assert ok(api.get("/settings/desk", headers=signed(role="specialist")))["brand_logo"] == logo
    # The other settings are untouched, and an empty logo removes it.
    assert changed["auto_close_hours"] == 72
    assert ok(api.patch("/settings/desk", json={"brand_logo": ""}, headers=admin))["brand_logo"] is None
    assert ok(api.patch("/settings/desk", json={"brand_logo": logo}, headers=admin))["brand_logo"] == logo
    assert ok(api.patch("/settings/desk", json={"brand_logo": None}, headers=admin))["brand_logo"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"brand_name": ""}, "brand_name"),
        ({"brand_name": "   "}, "brand_name"),
        ({"brand_name": "x" * 61}, "brand_name"),
        ({"brand_name": None}, "brand_name"),
        ({"brand_colour": "red"}, "brand_colour"),
        ({"brand_colour": "#12345"}, "brand_colour"),
        ({"brand_colour": "#1234567"}, "brand_colour"),
        ({"brand_colour": "#12345g"}, "brand_colour"),
        ({"brand_colour": "#123456\n"}, "brand_colour"),
        ({"brand_logo": data_url("image/svg+xml", SVG)}, "brand_logo"),
        ({"brand_logo": data_url("image/png", SVG)}, "brand_logo"),  # bytes that are no PNG
        ({"brand_logo": data_url("image/jpeg", PNG)}, "brand_logo"),  # declared one type, another inside
        ({"brand_logo": data_url("image/gif", b"GIF89a" + b"\x00" * 20)}, "brand_logo"),
        ({"brand_logo": "data:image/png;base64,%%%%"}, "brand_logo"),
        ({"brand_logo": "data:image/png;base64,iVBORw0KGgo"}, "brand_logo"),  # broken padding
        ({"brand_logo": "https://evil.example/logo.png"}, "brand_logo"),
        ({"brand_logo": "javascript:alert(1)"}, "brand_logo"),
        ({"brand_logo": data_url("image/png", PNG + b"\x00" * branding.LOGO_MAX_BYTES)}, "brand_logo"),
        ({"brand_logo": 42}, "brand_logo"),
    ],
)
def test_bad_branding_is_422_naming_the_field(rt, admin, body, field):
    # A large enough body for the oversized logo to reach the check.
    rt.app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    api = rt.app.test_client()
    problem(api.patch("/settings/desk", json=body, headers=admin), 422, field)
    assert ok(api.get("/settings/desk", headers=admin))["brand_name"] == "Relay"


def test_a_logo_of_the_largest_size_is_taken(api, admin):
    logo = data_url("image/png", PNG + b"\x00" * (branding.LOGO_MAX_BYTES - len(PNG)))
    assert ok(api.patch("/settings/desk", json={"brand_logo": logo}, headers=admin))["brand_logo"] == logo


def test_only_an_administrator_changes_the_branding(api):
    for role in ("lead_specialist", "specialist"):
        assert api.patch("/settings/desk", json={"brand_name": "Mine"}, headers=signed(role=role)).status_code == 403


def test_history_keeps_the_logos_digest_not_the_image(api, admin):
    logo = data_url("image/png", PNG)
    ok(api.patch("/settings/desk", json={"brand_logo": logo, "brand_name": "Acme"}, headers=admin))
    entries = ok(api.get("/settings/history?kind=desk", headers=admin))["items"]
    changes = {e["field"]: e for e in entries}
    assert changes["brand_name"]["new"] == "Acme"
    summary = changes["brand_logo"]["new"]
    assert summary.startswith(f"image/png, {len(PNG)} bytes, sha256 ") and "base64" not in summary


def test_ticket_commands_do_not_carry_the_logo(api, admin, rt):
    ok(api.patch("/settings/desk", json={"brand_logo": data_url("image/png", PNG)}, headers=admin))
    assert settings_store(rt).current().desk[branding.LOGO_KEY] is None
