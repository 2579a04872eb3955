"""Names unique however they are written: a second "Ärger" (or "ärger", "ÄRGER ") is the
same 409 naming `name` on SQLite and PostgreSQL as an ASCII twin, and so is one written
at the same moment (the unique index decides, not only the check before it)."""

from __future__ import annotations

import pytest
from helpers import ADMIN, ok, problem
from sqlalchemy import select

from relay_tickets import bootstrap
from relay_tickets.adapters.canned_repository import CannedRepository
from relay_tickets.adapters.directory_repository import DirectoryRepository
from relay_tickets.adapters.tables.directory import groups
from relaykit.db_types import name_key

RESOURCES = {"canned": "/canned-responses/groups", "directory": "/groups"}
REPOSITORY_CHECKS = {"canned": (CannedRepository, "group_named"), "directory": (DirectoryRepository, "group_id_named")}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def desk(request, harness, bus_namespace):
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    rt = harness.runtime(bootstrap.spec, database_url=url, namespace=bus_namespace)
    assert rt.db.is_postgres == (request.param == "postgres")
    return rt


@pytest.fixture
def api(desk):
    return desk.app.test_client()


def test_the_key_folds_case_width_and_spaces_but_not_letters():
    assert name_key("Ärger") == name_key("ärger") == name_key("ÄRGER ") == name_key("A\u0308rger")  # composed or not
    assert name_key("Straße") == name_key("STRASSE") and name_key("\uff46\uff4f\uff4f") == name_key("foo")
    assert name_key("Ärger") != name_key("Arger")


@pytest.mark.parametrize("kind", RESOURCES)
@pytest.mark.parametrize("twin", ["Ärger", "ärger", "ÄRGER ", "ärger\u00a0"])
def test_a_second_group_of_the_same_name_is_a_conflict(api, kind, twin):
    path = RESOURCES[kind]
    ok(api.post(path, json={"name": "Ärger"}, headers=ADMIN), 201)
    problem(api.post(path, json={"name": twin}, headers=ADMIN), 409, "name")
    other = ok(api.post(path, json={"name": "Arger"}, headers=ADMIN), 201)  # another letter, another name
    problem(api.patch(f"{path}/{other['id']}", json={"name": twin}, headers=ADMIN), 409, "name")
    assert ok(api.patch(f"{path}/{other['id']}", json={"name": "Ärgernis"}, headers=ADMIN))["name"] == "Ärgernis"


@pytest.mark.parametrize("kind", RESOURCES)
def test_a_twin_written_at_the_same_moment_is_a_conflict_too(api, kind, monkeypatch):
    path = RESOURCES[kind]
    ok(api.post(path, json={"name": "Ärger"}, headers=ADMIN), 201)
    # The other request's check ran before this one committed: only the unique index sees it.
    repository, check = REPOSITORY_CHECKS[kind]
    monkeypatch.setattr(repository, check, lambda self, name: None)
    problem(api.post(path, json={"name": "ÄRGER"}, headers=ADMIN), 409, "name")
    other = ok(api.post(path, json={"name": "Freude"}, headers=ADMIN), 201)
    problem(api.patch(f"{path}/{other['id']}", json={"name": "ärger"}, headers=ADMIN), 409, "name")


def test_every_written_group_carries_its_key(api, desk):
    created = ok(api.post("/groups", json={"name": "Außendienst"}, headers=ADMIN), 201)
    ok(api.patch(f"/groups/{created['id']}", json={"name": "AUSSENDIENST Nord"}, headers=ADMIN))
    with desk.db.sessions() as s:
        key = s.scalar(select(groups.c.name_key).where(groups.c.id == created["id"]))
    assert key == name_key("aussendienst nord")
