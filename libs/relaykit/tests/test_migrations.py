"""Every service's migrations build exactly the tables its code declares, on both databases."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from relaykit.kit_schema import metadata as kit_metadata
from relaykit.migrations import include_object_for
from relaykit.service import Runtime, discover
from relaykit.settings import Settings

SPECS = [s for s in discover().values() if s.metadata is not None]


def _diff(rt: Runtime) -> list:
    metadatas = [rt.spec.metadata, kit_metadata]
    with rt.db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object_for(metadatas)}
        )
        return compare_metadata(ctx, metadatas)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_migrations_match_the_models_on_sqlite(spec, tmp_path):
    rt = Runtime(spec, Settings(service=spec.name, database_url=f"sqlite:///{tmp_path}/{spec.name}.db"))
    rt.migrate()
    rt.migrate()  # idempotent
    assert _diff(rt) == []
    rt.db.dispose()


@pytest.mark.integration
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_migrations_match_the_models_on_postgres(spec, pg_url):
    rt = Runtime(spec, Settings(service=spec.name, database_url=pg_url))
    rt.migrate()
    assert _diff(rt) == []
    rt.db.dispose()


def test_migrating_creates_a_missing_postgres_database(postgres_server, relay_run_id):
    from sqlalchemy import create_engine, text

    name = f"relaytest_{relay_run_id}_created"
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    spec = discover()["sla"]
    try:
        rt = Runtime(spec, Settings(service="sla", database_url=url))
        rt.migrate()
        rt.db.dispose()
    finally:
        admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            existed = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    assert existed
