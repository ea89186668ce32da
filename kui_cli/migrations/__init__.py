"""Alembic migrations, shipped inside the package.

`HEAD_REVISION` lets every command check the schema without importing Alembic; a test keeps it
equal to Alembic's own head.
"""

HEAD_REVISION = "0004"
