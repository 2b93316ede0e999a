"""Alembic environment: always run programmatically through data/migrate.py, which passes
the connection in and has already checked whose database this is."""

from alembic import context

from data.migrate import VERSION_TABLE

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations with `python asgi.py --migrate-only` (or `make migrate`)")

context.configure(
    connection=connection,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
