import pytest

from relaykit import identity
from relaykit.errors import NotAuthenticated

SECRET = "s3cret"


def test_signed_identity_round_trips():
    who = identity.Identity(subject="u1", role=identity.SPECIALIST, organization="acme", name="Ann")
    assert identity.verify(identity.sign(who, SECRET), SECRET) == who


@pytest.mark.parametrize(
    "mangle",
    [
        lambda h: h[:-2] + ("AA" if not h.endswith("AA") else "BB"),  # signature altered
        lambda h: "e30" + h[h.index(".") :],  # payload swapped for {}
        lambda h: h.split(".")[0],  # signature missing
        lambda h: "",
    ],
    ids=["tampered-signature", "swapped-payload", "no-signature", "empty"],
)
def test_tampered_headers_are_refused(mangle):
    header = identity.sign(identity.Identity("u1", identity.ADMINISTRATOR), SECRET)
    with pytest.raises(NotAuthenticated):
        identity.verify(mangle(header), SECRET)


def test_a_payload_upgraded_to_administrator_does_not_verify():
    import base64
    import json

    header = identity.sign(identity.Identity("u1", identity.CONTACT, "acme"), SECRET)
    payload, sig = header.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = identity.ADMINISTRATOR
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(NotAuthenticated, match="signature"):
        identity.verify(f"{forged}.{sig}", SECRET)


def test_other_secret_and_expiry_are_refused():
    header = identity.sign(identity.Identity("u1", identity.ADMINISTRATOR), SECRET, ttl=60, now=1000)
    with pytest.raises(NotAuthenticated, match="signature"):
        identity.verify(header, "other", now=1000)
    assert identity.verify(header, SECRET, now=1059).subject == "u1"
    with pytest.raises(NotAuthenticated, match="expired"):
        identity.verify(header, SECRET, now=1061)


def test_unknown_roles_cannot_be_signed():
    with pytest.raises(ValueError):
        identity.sign(identity.Identity("u1", "superuser"), SECRET)
