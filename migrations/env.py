"""Alembic environment: the URL comes from the caller (gis.migrate), never from a config file."""
from alembic import context
from sqlalchemy import create_engine, pool, text

from gis.db import Base, sqlalchemy_url

config = context.config
url = sqlalchemy_url(config.get_main_option("sqlalchemy.url"))


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def announce_app_role(connection) -> None:
    """The migrations' SQL grants the service's privileges to
    current_setting('onegrid.app_role'): the role name is per database (gis/db_roles.py)."""
    connection.execute(text("SELECT set_config('onegrid.app_role', :r, false)"),
                       {"r": config.attributes["app_role"]})


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        announce_app_role(connectable)
        context.configure(connection=connectable, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        announce_app_role(connection)
        connection.commit()
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
