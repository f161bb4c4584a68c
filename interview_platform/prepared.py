"""Statements on hot paths, compiled to SQL once instead of on every request.

Compiling a queryset (joins, subqueries, annotations) costs more Python time
than running it. A ``Prepared`` query is a ``.values(...)`` queryset built
once with placeholder UUIDs; each run puts the caller's UUIDs in their places,
runs the same SQL and converts the columns as the ORM would. ``insert`` and
``update`` do the same for writing rows of a model (PostgreSQL; the ORM's
own methods elsewhere), and within ``held()`` go to the database together, as
one statement, when the next other statement or the block's end comes.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connections
from django.db.models import Model, QuerySet


class Prepared:
    """``build(*uuids)`` -> a ``.values()`` queryset; ``rows(*uuids)`` runs it as dicts."""

    def __init__(self, build: Callable[..., QuerySet], arguments: int):
        self._build = build
        self._arguments = arguments
        self._plans: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def _plan(self, alias: str) -> tuple:
        plan = self._plans.get(alias)
        if plan is None:
            with self._lock:
                plan = self._plans.get(alias) or self._compile(alias)
                self._plans[alias] = plan
        return plan

    def _compile(self, alias: str) -> tuple:
        placeholders = [uuid.uuid4() for _ in range(self._arguments)]
        query = self._build(*placeholders).query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = []
        for placeholder in placeholders:
            forms = {placeholder: None, placeholder.hex: "hex", str(placeholder): "str"}
            found = [
                (i, forms[p]) for i, p in enumerate(params) if isinstance(p, uuid.UUID | str) and p in forms
            ]
            if len(found) != 1:
                raise ValueError(f"A prepared query must use each argument once; found {len(found)}.")
            slots.append(found[0])
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        converters = list(
            compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]]).items()
        )
        return sql, tuple(params), slots, names, converters

    def rows(self, *arguments, using: str = "default") -> list[dict]:
        sql, params = self.bound(*arguments, using=using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return self.converted(cursor.fetchall(), using)

    def bound(self, *arguments, using: str = "default") -> tuple[str, list]:
        """The SQL and the parameters of a run with ``arguments``."""
        sql, params, slots, _, _ = self._plan(using)
        params = list(params)
        for (position, form), value in zip(slots, arguments, strict=True):
            if value is not None:
                value = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
                value = value.hex if form == "hex" else str(value) if form == "str" else value
            params[position] = value
        return sql, params

    def converted(self, rows: list, using: str = "default") -> list[dict]:
        """The database's rows as dicts of the values the ORM would give."""
        _, _, _, names, converters = self._plan(using)
        connection = connections[using]
        found = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters:
                for function in functions:
                    row[position] = function(row[position], expression, connection)
            found.append(dict(zip(names, row, strict=True)))
        return found


def rows_together(*runs: tuple[Prepared, tuple], using: str = "default") -> list[list[dict]]:
    """``[query.rows(*arguments) for query, arguments in runs]``, in one round trip where it can be.

    With psycopg's client-side binding (Django's default for PostgreSQL) the
    statements go as one query, joined by ";": the server runs them one after
    the other, in the same transaction, and returns each one's rows in turn.
    """
    connection = connections[using]
    if len(runs) < 2 or not _client_side_binding(connection):
        return [query.rows(*arguments, using=using) for query, arguments in runs]
    bound = [query.bound(*arguments, using=using) for query, arguments in runs]
    results = []
    with connection.cursor() as cursor:
        cursor.execute("; ".join(sql for sql, _ in bound), [value for _, params in bound for value in params])
        for n, (query, _) in enumerate(runs):
            if n:
                cursor.nextset()
            results.append(query.converted(cursor.fetchall(), using))
    return results


def _client_side_binding(connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    import psycopg

    connection.ensure_connection()
    return issubclass(connection.connection.cursor_factory, psycopg.ClientCursor)


@functools.cache
def model_fields(model) -> tuple[str, ...]:
    """The columns (attnames) of ``model``'s concrete fields, for a ``Prepared`` query's ``.values()``."""
    return tuple(field.attname for field in model._meta.concrete_fields)


def as_instance(model, row: dict, prefix: str = "", using: str = "default"):
    """``model`` built from a ``Prepared`` row's columns (``prefix`` + attname), as a queryset builds it."""
    names = model_fields(model)
    return model.from_db(using, names, [row[prefix + name] for name in names])


# --- Writes -----------------------------------------------------------------------
# An insert or an update by key goes through the same Python machinery as a
# query: a Query object, a compiler, the SQL built field by field. On PostgreSQL
# the hot paths write with the statement built once per model (and set of
# fields); each value is prepared by its field as the ORM prepares it.


def _quoted(connection, model, names) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)


@functools.cache
def _insert_plan(model, using: str) -> tuple[str, str, str, tuple] | None:
    """(INSERT … VALUES, one row's placeholders, RETURNING the auto key, the fields); None: the ORM's."""
    connection = connections[using]
    if model._meta.parents:
        return None  # multi-table inheritance: a row per table
    auto = model._meta.auto_field
    fields = tuple(f for f in model._meta.local_concrete_fields if f is not auto)
    if any(f.generated or f.has_db_default() for f in fields):
        return None  # values the database computes: the ORM knows when to leave them out
    table = connection.ops.quote_name(model._meta.db_table)
    head = f"INSERT INTO {table} ({_quoted(connection, model, [f.name for f in fields])}) VALUES "  # noqa: S608
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = f" RETURNING {connection.ops.quote_name(auto.column)}" if auto is not None else ""
    return head, row, returning, fields


def insert(objs: list, using: str = "default") -> list:
    """Save new model instances of one model in one statement, as ``bulk_create`` would (PostgreSQL).

    Elsewhere, or for a model with inheritance or values the database computes, it is ``bulk_create``.
    Auto primary keys are set on the instances.
    """
    if not objs:
        return objs
    model = type(objs[0])
    connection = connections[using]
    plan = _insert_plan(model, using) if connection.vendor == "postgresql" else None
    if plan is None:
        return model.objects.using(using).bulk_create(objs)
    head, row, returning, fields = plan
    params = []
    for obj in objs:
        params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    sql = head + ", ".join([row] * len(objs)) + returning
    keyed = objs if returning else []
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    holder = _holder(connection)
    if holder is not None:
        holder.writes.append((sql, params, keyed, model))
    else:
        _send(connection, [(sql, params, keyed, model)])
    return objs


def _set_keys(objs: list, keys: list) -> None:
    for obj, key in zip(objs, keys, strict=True):
        setattr(obj, obj._meta.auto_field.attname, key)


@functools.cache
def _update_sql(model, names: tuple[str, ...], using: str) -> str:
    quote = connections[using].ops.quote_name
    assignments = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in names)
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    return f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 - names from the model


def update(model, pk, values: dict, using: str = "default") -> int | None:
    """``model.objects.filter(pk=pk).update(**values)`` for plain values (no expressions), on PostgreSQL.

    A foreign key's value may be the related instance or its key. Returns the
    rows updated; None within ``held()``, where the update is sent later.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return model.objects.using(using).filter(pk=pk).update(**values)
    names = tuple(values)
    params = []
    for name in names:
        field, value = model._meta.get_field(name), values[name]
        if field.is_relation and isinstance(value, Model):
            value = value.pk
        params.append(field.get_db_prep_save(value, connection))
    params.append(model._meta.pk.get_db_prep_save(pk, connection))
    sql = _update_sql(model, names, using)
    holder = _holder(connection)
    if holder is not None:
        if any(held_model is model for _, _, _, held_model in holder.writes):
            holder.send()
        holder.writes.append((sql, params, [], model))
        return None
    return _send(connection, [(sql, params, [], model)])


# --- Held writes --------------------------------------------------------------------
# Each statement is a round trip, and each costs both sides more than the work
# in it: within ``held()`` the writes above wait and go together, as the
# data-modifying parts of one statement (``WITH w0 AS (UPDATE …), w1 AS
# (INSERT … RETURNING id) SELECT …``). PostgreSQL runs every part in full, all
# on one snapshot: an update cannot see a row inserted or updated by another
# part, so an update whose table an earlier held write touched sends those first.

_held = threading.local()


def _holder(connection) -> _Held | None:
    """What holds the writes on ``connection`` in this thread, when they are held."""
    return getattr(_held, "by_alias", {}).get(connection.alias)


class _Held:
    def __init__(self, connection):
        self.connection = connection
        # (sql, params, instances awaiting their keys, model)
        self.writes: list[tuple[str, list, list, type]] = []
        self.sending = False

    def __call__(self, execute, sql, params, many, context):
        """An execute wrapper: what is held goes first, so statements run in the order they were made."""
        if not self.sending:
            self.send()
        return execute(sql, params, many, context)

    def send(self) -> None:
        writes, self.writes = self.writes, []
        if not writes:
            return
        self.sending = True
        try:
            _send(self.connection, writes)
        finally:
            self.sending = False


def _send(connection, writes: list[tuple[str, list, list, type]]) -> int:
    """Run ``writes`` as one statement, set the keys the database assigned; the rows a lone write touched."""
    with connection.cursor() as cursor:
        cursor.execute(*_together(writes))
        rows = cursor.fetchall() if any(keyed for _, _, keyed, _ in writes) else []
        count = cursor.rowcount
    if len(writes) == 1:
        # The rows come back in the order of VALUES (as bulk_create relies on too).
        _set_keys(writes[0][2], [key for (key,) in rows])
    else:
        for n, (_, _, keyed, _) in enumerate(writes):
            # Each part's keys come back in the order of its VALUES, the parts in the order of UNION ALL.
            _set_keys(keyed, [key for part, key in rows if part == n])
    return count


def _together(writes: list[tuple[str, list, list, type]]) -> tuple[str, list]:
    """One statement for ``writes``: itself when alone, else each a part of one WITH."""
    if len(writes) == 1:
        return writes[0][0], writes[0][1]
    parts = ", ".join(f"w{n} AS ({sql})" for n, (sql, _, _, _) in enumerate(writes))
    keys = " UNION ALL ".join(
        f"SELECT {n}, {_key_column(keyed)}::bigint FROM w{n}"  # noqa: S608 - our own statements
        for n, (_, _, keyed, _) in enumerate(writes)
        if keyed
    )
    return f"WITH {parts} {keys or 'SELECT 0, 0'}", [value for _, params, _, _ in writes for value in params]


def _key_column(objs: list) -> str:
    model = type(objs[0])
    return connections[objs[0]._state.db].ops.quote_name(model._meta.auto_field.column)


@contextmanager
def held(using: str = "default") -> Iterator[None]:
    """Within, ``insert`` and ``update`` go to the database together (PostgreSQL; at once elsewhere).

    They are sent before any other statement on the connection (a query, a
    savepoint, the ORM's own writes), so everything runs in the order it was
    written, and at the end of the block, also when it ends with an exception
    (unless the transaction is already marked to roll back). Within it an
    update returns None (its row count is not known yet), and the keys the
    database assigns are set on the instances when they are sent. Use it
    inside the transaction (it must end before the commit); a block inside
    another is part of the outer one.
    """
    connection = connections[using]
    by_alias = _held.__dict__.setdefault("by_alias", {})
    if connection.vendor != "postgresql" or using in by_alias:
        yield  # elsewhere, or already held further out
        return
    writes = by_alias[using] = _Held(connection)
    try:
        with connection.execute_wrapper(writes):
            try:
                yield
            finally:
                if not connection.needs_rollback:
                    writes.send()
    finally:
        del by_alias[using]
