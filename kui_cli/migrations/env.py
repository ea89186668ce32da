"""Alembic environment: the connection comes from `kui_cli.db.upgrade`, never from alembic.ini."""

from alembic import context

from kui_cli.models import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
