"""Thin Celery tasks for accounts; enqueued by name through interview_platform.jobs."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from . import signin
from .models import User


@shared_task(acks_late=True, ignore_result=True)
def send_unlock_email(user_id: str, lock_id: str) -> None:
    """Email the owner of a locked account the link that lifts the lock."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    path = reverse("sign-in-unlock", kwargs={"token": signin.unlock_token(user, lock_id)})
    context = {
        "email": user.email,
        # The public address, never the Host header of whichever request locked the account.
        "unlock_url": f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}",
        "minutes": settings.SIGN_IN_LOCK_MINUTES,
    }
    send_mail(
        "Your AI Interview account was locked after failed sign-ins",
        render_to_string("registration/unlock_email.txt", context),
        None,
        [user.email],
    )


@shared_task(acks_late=True, ignore_result=True)
def purge_ended_sign_ins() -> int:
    """Periodic: forget API sign-ins a month after their end, and refresh tokens once expired."""
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from .models import TokenFamily

    now = timezone.now()
    # An expired token is refused by its signature's exp alone; its row (and its
    # blacklist entry) no longer protect anything.
    OutstandingToken.objects.filter(expires_at__lt=now).delete()
    deleted, _ = TokenFamily.objects.filter(expires_at__lt=now - timedelta(days=30)).delete()
    return deleted
