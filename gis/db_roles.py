"""The database roles onegrid uses, and the one-time SQL that creates them.

Roles are global to a PostgreSQL server, so their names derive from the database name
(or are set in settings): several onegrid databases share one server without touching
each other's roles.

  <db>_owner  owns the schema; migrations and the `onegrid` CLI log in as it. BYPASSRLS:
              it is the operator's identity (bulk loads use COPY, which row-level
              security forbids), never the service's.
  <db>_app    the service's login. Not a superuser, owns nothing, cannot bypass
              row-level security, member of no role (so no SET ROLE escape). Reads and
              writes rows; the access log only SELECT and INSERT.

A superuser runs the SQL once per database (`onegrid db setup-sql --database NAME`
prints it); the embedded cluster runs the very same statements itself (gis/cluster.py).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from gis.errors import DatabaseSetupIncomplete

# Extensions the schema needs; postgis is not a "trusted" extension, so a DBA creates it.
EXTENSIONS = ("postgis", "btree_gist", "pg_trgm")
# Created when the server has them, else left out: pgrouting gives dispatch road distances
# (gis/incidents/nearest.py says "straight" without it).
OPTIONAL_EXTENSIONS = ("pgrouting",)
MAX_IDENTIFIER = 63  # PostgreSQL's NAMEDATALEN - 1


@dataclass(frozen=True)
class RoleNames:
    database: str
    owner: str
    app: str


def role_names(database: str, *, owner: str | None = None, app: str | None = None) -> RoleNames:
    """The owner and app role names for a database: settings first, else derived."""
    names = RoleNames(database=database, owner=owner or f"{database}_owner",
                      app=app or f"{database}_app")
    for what, name in (("owner role", names.owner), ("app role", names.app)):
        if len(name.encode()) > MAX_IDENTIFIER:
            raise DatabaseSetupIncomplete(
                f"the {what} name {name!r} is longer than {MAX_IDENTIFIER} bytes: set "
                "ONEGRID_DATABASE__OWNER_ROLE / ONEGRID_DATABASE__APP_ROLE to shorter names")
    if names.owner == names.app:
        raise DatabaseSetupIncomplete("the owner and app roles must be different roles")
    return names


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def new_password() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class SetupPlan:
    """The set-up as three groups: server-wide roles, the database, inside the database."""

    names: RoleNames
    roles_sql: list[str]        # run connected to any database (e.g. postgres)
    create_database_sql: str    # run only when the database does not exist yet
    database_sql: list[str]     # run connected to the database itself

    def as_psql_script(self) -> str:
        """One script for psql, run as a superuser: `psql -v ON_ERROR_STOP=1 -f setup.sql`."""
        n = self.names
        db_literal = quote_literal(n.database)
        lines = [
            f"-- onegrid: one-time set-up of database {n.database}, run by a superuser:",
            "--   psql -v ON_ERROR_STOP=1 -d postgres -f THIS_FILE",
            "-- Safe to run again (it resets the two passwords to the ones below).",
            *self.roles_sql,
            f"SELECT {quote_literal(self.create_database_sql)} WHERE NOT EXISTS "
            f"(SELECT FROM pg_database WHERE datname = {db_literal})\\gexec",
            f"\\connect {quote_ident(n.database)}",
            *self.database_sql,
        ]
        return "\n".join(lines) + "\n"


def setup_plan(names: RoleNames, *, owner_password: str | None,
               app_password: str) -> SetupPlan:
    """Statements that create or update the roles, the database and its extensions.

    owner_password=None leaves an existing owner login's password alone (the DBA handed
    over a login of their own) and only makes sure of its attributes."""
    owner, app, db = (quote_ident(names.owner), quote_ident(names.app),
                      quote_ident(names.database))
    owner_pw = f" PASSWORD {quote_literal(owner_password)}" if owner_password else ""
    owner_attrs = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION BYPASSRLS"
    app_attrs = ("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                 "NOINHERIT")
    roles_sql = [
        _create_or_alter(names.owner, f"{owner_attrs}{owner_pw}"),
        _create_or_alter(names.app, f"{app_attrs} PASSWORD {quote_literal(app_password)}"),
    ]
    database_sql = [
        *(f"CREATE EXTENSION IF NOT EXISTS {ext};" for ext in EXTENSIONS),
        *(_create_if_available(ext) for ext in OPTIONAL_EXTENSIONS),
        # PostgreSQL 15's public schema belongs to pg_database_owner; older ones to postgres.
        f"ALTER SCHEMA public OWNER TO {owner};",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {app};",
        f"GRANT USAGE ON SCHEMA public TO {app};",
    ]
    return SetupPlan(names=names, roles_sql=roles_sql,
                     create_database_sql=f"CREATE DATABASE {db} OWNER {owner} "
                                         "ENCODING 'UTF8' TEMPLATE template0",
                     database_sql=database_sql)


def _create_if_available(extension: str) -> str:
    # A DO block, so that a server without the package skips it instead of failing.
    return (f"DO $$ BEGIN\n"
            f"    IF EXISTS (SELECT FROM pg_available_extensions WHERE name = "
            f"{quote_literal(extension)}) THEN\n"
            f"        CREATE EXTENSION IF NOT EXISTS {extension};\n"
            f"    END IF;\n"
            f"END $$;")


def _create_or_alter(role: str, attributes: str) -> str:
    quoted = quote_ident(role)
    # A DO block so that a second run (or a role left by an earlier install) is no error.
    return (f"DO $$ BEGIN\n"
            f"    IF EXISTS (SELECT FROM pg_roles WHERE rolname = {quote_literal(role)}) THEN\n"
            f"        ALTER ROLE {quoted} {attributes};\n"
            f"    ELSE\n"
            f"        CREATE ROLE {quoted} {attributes};\n"
            f"    END IF;\n"
            f"END $$;")


# -- checks --------------------------------------------------------------------------
def check_migration_login(conn: Connection, names: RoleNames) -> None:
    """Before migrating: say plainly what the DBA's set-up is missing, if anything."""
    me = conn.execute(text(
        "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles "
        "WHERE rolname = current_user")).one()
    hint = f"run the SQL of `onegrid db setup-sql --database {names.database}` as a superuser"
    for ext in EXTENSIONS:
        installed = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = :e"),
                                 {"e": ext}).first()
        # a "trusted" extension (pg_trgm, btree_gist) may be created by whoever may create
        # objects in the database; the migrations do
        creatable = conn.execute(text(
            "SELECT v.trusted AND has_database_privilege(current_database(), 'CREATE') "
            "FROM pg_available_extension_versions AS v "
            "JOIN pg_available_extensions AS a ON a.name = v.name "
            "AND a.default_version = v.version WHERE v.name = :e"), {"e": ext}).scalar()
        if installed or creatable or me.rolsuper:
            continue
        raise DatabaseSetupIncomplete(
            f"the extension {ext} is not installed in database {names.database}, and "
            f"{me.rolname} may not create it: a DBA must run `CREATE EXTENSION {ext};` "
            f"in that database ({hint})")
    if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                        {"r": names.app}).first():
        raise DatabaseSetupIncomplete(
            f"the service's login role {names.app} does not exist ({hint})")
    if not me.rolsuper and not conn.execute(text(
            "SELECT has_schema_privilege('public', 'CREATE')")).scalar():
        raise DatabaseSetupIncomplete(
            f"{me.rolname} may not create tables in schema public of {names.database}: "
            f"it must own the database and its public schema ({hint})")
    if not (me.rolsuper or me.rolbypassrls):
        raise DatabaseSetupIncomplete(
            f"{me.rolname} lacks BYPASSRLS, which the owner needs for bulk loads ({hint})")


def check_service_login(conn: Connection) -> str:
    """The service refuses to run as a role that could read past row-level security."""
    me = conn.execute(text(
        "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles "
        "WHERE rolname = current_user")).one()
    owns = conn.execute(text(
        "SELECT count(*) FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relowner = "
        "(SELECT oid FROM pg_roles WHERE rolname = current_user)")).scalar()
    members = conn.execute(text(
        "SELECT count(*) FROM pg_auth_members AS m JOIN pg_roles AS r ON r.oid = m.member "
        "WHERE r.rolname = current_user")).scalar()
    problems = [why for bad, why in (
        (me.rolsuper, "is a superuser"), (me.rolbypassrls, "may bypass row-level security"),
        (owns, f"owns {owns} tables"), (members, "is a member of other roles"))
        if bad]
    if problems:
        raise DatabaseSetupIncomplete(
            f"the service must not log in as {me.rolname}: it " + ", ".join(problems) +
            "; set ONEGRID_DATABASE__APP_URL to the app login created by "
            "`onegrid db setup-sql`")
    return me.rolname


def database_name(url: str) -> str:
    name = make_url(url).database
    if not name:
        raise DatabaseSetupIncomplete(f"the database URL names no database: {url!r}")
    return name


def with_login(url: str, *, user: str, password: str) -> str:
    """The same server and database, another login."""
    return make_url(url).set(username=user, password=password).render_as_string(
        hide_password=False)


def service_url(database) -> str:
    """The URL the service logs in with (settings.database: app_url, or url + app role).

    Never the owner's: without an app login configured the service does not start."""
    if database.app_url:
        return database.app_url
    if database.url and database.app_password:
        names = role_names(database_name(database.url), owner=database.owner_role or None,
                           app=database.app_role or None)
        return with_login(database.url, user=names.app, password=database.app_password)
    raise DatabaseSetupIncomplete(
        "the service's database login is not configured: set ONEGRID_DATABASE__APP_URL "
        "(or ONEGRID_DATABASE__APP_PASSWORD) to the app login that `onegrid db setup-sql` "
        "creates")


def apply_plan(plan: SetupPlan, *, superuser_url: str) -> None:
    """Run the set-up as a superuser (the embedded cluster, the test suite): the same
    statements `onegrid db setup-sql` prints for a DBA."""
    import psycopg

    def dsn(database: str) -> str:
        return make_url(superuser_url).set(drivername="postgresql", database=database) \
            .render_as_string(hide_password=False)

    with psycopg.connect(dsn("postgres"), autocommit=True) as conn:
        for statement in plan.roles_sql:
            conn.execute(statement)
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (plan.names.database,)).fetchone()
        if not exists:
            conn.execute(plan.create_database_sql)
    with psycopg.connect(dsn(plan.names.database), autocommit=True) as conn:
        for statement in plan.database_sql:
            conn.execute(statement)
