from __future__ import annotations

import base64
import hashlib
import secrets
import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


DEFAULT_INTERVIEWER_NAME = "Alex"


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    webhook_secret = models.CharField(max_length=100, default=new_webhook_secret)
    # The name the live interview introduces its interviewer by ("Hi, I'm Alex ...").
    interviewer_name = models.CharField(max_length=60, default=DEFAULT_INTERVIEWER_NAME)
    # Where candidates write for accommodations or help (the welcome page's link); "" hides the link.
    contact_email = models.EmailField(blank=True)
    # Off when the ATS writes to candidates itself: no invitation, reminders or
    # receipt from here (the one-time code is always sent, nothing else can).
    send_candidate_emails = models.BooleanField(
        default=True,
        help_text="Email candidates the invitation, reminders before the link expires and a receipt. "
        "Turn off when your ATS sends its own; the one-time sign-in code is always sent.",
    )
    # Shown on the candidate's welcome page; empty uses the platform's default notice.
    privacy_notice = models.TextField(
        blank=True,
        help_text="Privacy notice on the candidate's welcome page. Leave empty for the default text.",
    )
    privacy_url = models.URLField(
        blank=True, help_text="Link to your full privacy policy, shown with the notice (optional)."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "ADMIN", "Admin"
    RECRUITER = "RECRUITER", "Recruiter"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.ADMIN)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        # Email login is case-insensitive.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.RECRUITER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the operators' admin at /ops/.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        # set_password() keeps the new raw password in _password until the save
        # (a hash upgrade on sign-in does not): a new password, like a
        # deactivation, ends every API sign-in the account had.
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            TokenFamily.objects.revoke_all(self, TokenFamily.Reason.PASSWORD)
        elif not self.is_active and not self._state.adding:
            TokenFamily.objects.revoke_all(self, TokenFamily.Reason.DEACTIVATED)

    @property
    def can_decide(self) -> bool:
        """Recruiters and admins of an organization make the workflow's decisions."""
        return self.is_active and self.organization_id is not None and self.role in Role.values


def hash_api_key(raw: str) -> str:
    # API keys are long random strings, so a fast hash is enough: there is no
    # dictionary to attack, and a password hasher would cost ~100 ms a request.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    PREFIX_LENGTH = 12

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH, editable=False, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def generate_raw() -> str:
        return "aik_" + secrets.token_urlsafe(40)

    @classmethod
    def create_with_raw(cls, organization: Organization, name: str, raw: str | None = None):
        """Create a key and return ``(api_key, raw)``; the raw key is shown once."""
        raw = raw or cls.generate_raw()
        key = cls.objects.create(
            organization=organization, name=name, prefix=raw[: cls.PREFIX_LENGTH], key_hash=hash_api_key(raw)
        )
        return key, raw


class TokenFamilyQuerySet(models.QuerySet):
    def revoke_all(self, user, reason: str) -> int:
        """End every API sign-in of ``user``: its families, and the refresh tokens still outstanding."""
        from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

        now = timezone.now()
        count = self.filter(user=user, revoked_at__isnull=True).update(revoked_at=now, revoked_reason=reason)
        live = OutstandingToken.objects.filter(user=user, expires_at__gt=now, blacklistedtoken__isnull=True)
        BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token_id=pk) for pk in live.values_list("pk", flat=True)], ignore_conflicts=True
        )
        return count


class TokenFamily(models.Model):
    """One API sign-in: the refresh tokens rotated from it, and the access tokens they minted.

    Every token carries its family's id (claim ``fam``); a token is honoured
    only while its family is neither revoked nor past ``expires_at``, the
    absolute end that refreshing cannot push back.
    """

    class Reason(models.TextChoices):
        LOGOUT = "logout", "Signed out"
        LOGOUT_EVERYWHERE = "logout_everywhere", "Signed out everywhere"
        REUSE = "reuse", "A rotated refresh token was used again"
        PASSWORD = "password", "Password changed"
        DEACTIVATED = "deactivated", "Account deactivated"
        OPERATOR = "operator", "Ended by an operator"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="token_families")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)

    objects = TokenFamilyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API sign-in"
        indexes = [models.Index(fields=["user", "revoked_at"], name="tokenfamily_user_live")]

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"

    def revoke(self, reason: str) -> None:
        if self.revoked_at is None:
            self.revoked_at, self.revoked_reason = timezone.now(), reason
            self.save(update_fields=["revoked_at", "revoked_reason"])
