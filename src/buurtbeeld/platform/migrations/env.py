"""Alembic environment: runs on the connection that ``buurtbeeld.platform.db`` hands over
(``config.attributes["connection"]``); no alembic.ini, no logging set-up of its own."""

from __future__ import annotations

from alembic import context

from buurtbeeld.platform.db import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
