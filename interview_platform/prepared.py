"""Querysets on hot paths, compiled to SQL once instead of on every request.

Compiling a queryset (joins, subqueries, annotations) costs more Python time
than running it. A ``Prepared`` query is a ``.values(...)`` queryset built
once with placeholder UUIDs; each run puts the caller's UUIDs in their places,
runs the same SQL and converts the columns as the ORM would.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet


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
        sql, params, slots, names, converters = self._plan(using)
        params = list(params)
        for (position, form), value in zip(slots, arguments, strict=True):
            if value is not None:
                value = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
                value = value.hex if form == "hex" else str(value) if form == "str" else value
            params[position] = value
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters:
                for function in functions:
                    row[position] = function(row[position], expression, connection)
            found.append(dict(zip(names, row, strict=True)))
        return found


@functools.cache
def model_fields(model) -> tuple[str, ...]:
    """The columns (attnames) of ``model``'s concrete fields, for a ``Prepared`` query's ``.values()``."""
    return tuple(field.attname for field in model._meta.concrete_fields)


def as_instance(model, row: dict, prefix: str = "", using: str = "default"):
    """``model`` built from a ``Prepared`` row's columns (``prefix`` + attname), as a queryset builds it."""
    names = model_fields(model)
    return model.from_db(using, names, [row[prefix + name] for name in names])
