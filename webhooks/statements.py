"""The webhook job's statements on PostgreSQL, each written once per process.

Every job runs the same few statements: take a slot, claim what is due, look
up the signing secrets, give the slot back, look for more. Built by the ORM on
every run, compiling them cost a job more of its worker's time than running
them. Here each is one statement whose table and column names come from the
models and whose values are all parameters; ``drain`` and ``slots`` use them
on PostgreSQL, and their ORM queries on other databases (SQLite, embedded).
"""

from __future__ import annotations

import functools
import uuid

from django.db import connection

from accounts.models import Organization
from interview_platform.prepared import model_fields

from .models import Delivery, DeliveryStatus, DestinationSlot, Endpoint, Event, SigningSecret
from .secrets import owner


@functools.cache
def _event_fields() -> tuple[str, ...]:
    # The event's payload is not needed to send it: its body holds the bytes.
    return tuple(name for name in model_fields(Event) if name != "payload")


def available() -> bool:
    return connection.vendor == "postgresql"


def _columns(model, names, alias: str) -> str:
    return ", ".join(f"{alias}.{model._meta.get_field(name).column}" for name in names)


def _table(model) -> str:
    return model._meta.db_table


@functools.cache
def _claim_sql() -> str:
    """Lock the due deliveries (one more than wanted), claim the oldest, return them with what sending needs.

    ``due`` is materialized: locked and counted once. A row it locked is still
    PENDING (the lock was taken on the current version), so the UPDATE claims
    exactly the rows picked. The secrets are those ``secrets.signing_secrets``
    looks up: the owner's current one, then its unexpired previous ones, newest first.
    """
    delivery, event = Delivery._meta, Event._meta
    org = Organization._meta
    return f"""
        WITH due AS MATERIALIZED (
            SELECT id, next_attempt_at, created_at FROM {delivery.db_table}
            WHERE host = %(host)s AND status = %(pending)s AND next_attempt_at <= %(now)s
            ORDER BY next_attempt_at, created_at
            LIMIT %(more)s
            FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE {delivery.db_table} AS d
            SET status = %(sending)s, claim = %(token)s, claimed_until = %(until)s,
                attempt_count = d.attempt_count + 1
            WHERE d.id IN (SELECT id FROM due ORDER BY next_attempt_at, created_at LIMIT %(size)s)
              AND d.status = %(pending)s
            RETURNING d.*
        )
        SELECT (SELECT count(*) FROM due),
            CASE WHEN c.endpoint_id IS NULL THEN o.{org.get_field("webhook_secret").column}
                 ELSE ep.{Endpoint._meta.get_field("secret").column} END,
            ARRAY(
                SELECT s.secret FROM {_table(SigningSecret)} AS s
                WHERE s.expires_at > %(now)s AND (
                    s.endpoint_id = c.endpoint_id
                    OR (c.endpoint_id IS NULL AND s.organization_id = e.organization_id)
                )
                ORDER BY s.created_at DESC, s.id DESC
            ),
            {_columns(Delivery, model_fields(Delivery), "c")},
            {_columns(Event, _event_fields(), "e")},
            {_columns(Endpoint, model_fields(Endpoint), "ep")}
        FROM claimed AS c
        JOIN {event.db_table} AS e ON e.id = c.event_id
        JOIN {org.db_table} AS o ON o.id = e.organization_id
        LEFT JOIN {_table(Endpoint)} AS ep ON ep.id = c.endpoint_id
        ORDER BY c.next_attempt_at, c.created_at
    """  # noqa: S608 - names from the models, values as parameters


def claim(host: str, now, until, token: uuid.UUID, size: int) -> tuple[list[Delivery], bool, dict]:
    """Claim up to ``size`` of ``host``'s due deliveries, oldest first (PostgreSQL).

    Returns the deliveries (with their events, payload deferred, and
    endpoints), whether nothing else is due, and the signing secrets of each
    delivery's owner (``secrets.owner``).
    """
    params = {
        "host": host,
        "now": now,
        "until": until,
        "token": token,
        "size": size,
        "more": size + 1,
        "pending": DeliveryStatus.PENDING,
        "sending": DeliveryStatus.SENDING,
    }
    with connection.cursor() as cursor:
        cursor.execute(_claim_sql(), params)
        rows = cursor.fetchall()
    deliveries, secrets = [], {}
    d, e = len(model_fields(Delivery)), len(_event_fields())
    for row in rows:
        delivery = Delivery.from_db(connection.alias, model_fields(Delivery), row[3 : 3 + d])
        delivery.event = Event.from_db(connection.alias, _event_fields(), row[3 + d : 3 + d + e])
        endpoint = row[3 + d + e :]
        delivery.endpoint = (
            Endpoint.from_db(connection.alias, model_fields(Endpoint), endpoint)
            if delivery.endpoint_id is not None
            else None
        )
        secrets[owner(delivery)] = [row[1], *row[2]]
        deliveries.append(delivery)
    drained = not rows or rows[0][0] <= size
    return deliveries, drained, secrets


@functools.cache
def _take_slot_sql() -> str:
    table = _table(DestinationSlot)
    return f"""
        WITH taken AS (
            UPDATE {table} SET holder = %(holder)s, held_until = %(until)s
            WHERE id = (
                SELECT id FROM {table}
                WHERE host = %(host)s AND number < %(limit)s
                  AND (held_until IS NULL OR held_until <= %(now)s)
                ORDER BY random() LIMIT 1
                FOR UPDATE SKIP LOCKED
            )
            RETURNING number
        )
        SELECT (SELECT number FROM taken),
               (SELECT count(*) FROM {table} WHERE host = %(host)s AND number < %(limit)s)
    """  # noqa: S608 - names from the models, values as parameters


def take_slot(host: str, limit: int, now, until, holder: uuid.UUID) -> tuple[int | None, int]:
    """(the number of a slot of ``host``'s now held by ``holder`` or None, how many of its slots are made)."""
    params = {"host": host, "limit": limit, "now": now, "until": until, "holder": holder}
    with connection.cursor() as cursor:
        cursor.execute(_take_slot_sql(), params)
        return cursor.fetchone()


def give_back(host: str, number: int, holder: uuid.UUID) -> None:
    table = _table(DestinationSlot)
    sql = (
        f"UPDATE {table} SET holder = NULL, held_until = NULL WHERE host = %s AND number = %s AND holder = %s"  # noqa: S608, E501
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [host, number, holder])


def any_due(host: str, now) -> bool:
    table = _table(Delivery)
    sql = f"SELECT EXISTS (SELECT 1 FROM {table} WHERE host = %s AND status = %s AND next_attempt_at <= %s)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [host, DeliveryStatus.PENDING, now])
        return cursor.fetchone()[0]
