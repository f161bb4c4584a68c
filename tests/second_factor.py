"""Second-factor support for tests: a confirmed authenticator app, its current code, verified sessions."""

from __future__ import annotations

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def enrol(user) -> TOTPDevice:
    """``user``'s confirmed authenticator app (made if missing), as the enrolment page leaves it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code_for_key(key: bytes, *, step_offset: int = 0) -> str:
    """The code an authenticator app holding ``key`` shows, ``step_offset`` steps from now."""
    return f"{totp(key, drift=step_offset):06d}"


def next_code(device: TOTPDevice) -> str:
    """A code the device accepts now: a step not used yet (a code works once), within its tolerance."""
    device.refresh_from_db()
    now_t = int(time.time()) // device.step
    offset = max(device.drift, device.last_t + 1 - now_t)
    while offset > device.drift + device.tolerance:
        time.sleep(1)  # every usable step was spent: wait for the next one
        now_t = int(time.time()) // device.step
        offset = max(device.drift, device.last_t + 1 - now_t)
    return code_for_key(device.bin_key, step_offset=offset)


def verified_client(user, client: Client | None = None) -> Client:
    """A test client signed in as ``user`` whose session a second factor verified."""
    client = client or Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = enrol(user).persistent_id
    session.save()
    return client
