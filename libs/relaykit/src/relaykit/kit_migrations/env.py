"""The one Alembic environment every Relay service migrates with (see relaykit.migrations)."""

from alembic import context
from sqlalchemy import create_engine

config = context.config


def _run(connection) -> None:
    from relaykit.migrations import include_object_for

    target = config.attributes.get("target_metadata")
    metadatas = target if isinstance(target, list) else [target] if target is not None else []
    context.configure(
        connection=connection,
        target_metadata=target,
        include_object=include_object_for(metadatas),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
