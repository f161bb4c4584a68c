from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import ApiKey, Organization, Role, User, hash_api_key

DEMO_ORG_SLUG = "demo"
DEMO_EMAIL = "admin@demo.ai-interview.com"
DEMO_PASSWORD = "Admin123!"
DEMO_API_KEY = "demo_api_key_12345678901234567890123456789012345678901234567890123456"
# Fixed so the README can print it; a real organization gets a random one.
DEMO_WEBHOOK_SECRET = "whsec_ZGVtby1vcmdhbml6YXRpb24td2ViaG9vay1zZWNyZXQ="
DEMO_CONTACT_EMAIL = "talent@demo.ai-interview.com"


class Command(BaseCommand):
    help = "Create the demo organization, its admin, API key and webhook secret (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        org, _ = Organization.objects.get_or_create(
            slug=DEMO_ORG_SLUG, defaults={"name": "Demo", "webhook_secret": DEMO_WEBHOOK_SECRET}
        )
        if not org.contact_email:
            org.contact_email = DEMO_CONTACT_EMAIL
            org.save(update_fields=["contact_email"])
        user = User.objects.filter(email__iexact=DEMO_EMAIL).first()
        if user is None:
            user = User.objects.create_user(
                DEMO_EMAIL,
                DEMO_PASSWORD,
                organization=org,
                role=Role.ADMIN,
                full_name="Demo Admin",
            )
        elif user.is_staff or user.is_superuser:
            # The demo admin manages one organization in the dashboard; /ops/ (every
            # organization) is for operators, who make their own account with createsuperuser.
            user.is_staff = user.is_superuser = False
            user.save(update_fields=["is_staff", "is_superuser"])
        if not ApiKey.objects.filter(key_hash=hash_api_key(DEMO_API_KEY)).exists():
            ApiKey.create_with_raw(org, "Demo ATS", raw=DEMO_API_KEY)
        self.stdout.write(
            "Demo organization ready\n"
            f"  organization     {org.name} ({org.id})\n"
            f"  admin            {DEMO_EMAIL} / {DEMO_PASSWORD} (role {user.role})\n"
            "  two-step sign-in required for ADMINs: set up at the first dashboard sign-in\n"
            f"  API key          {DEMO_API_KEY}\n"
            f"  webhook secret   {org.webhook_secret}\n"
            f"  interviewer      {org.interviewer_name} (contact {org.contact_email})\n"
        )
