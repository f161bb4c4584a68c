from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from .api_keys import key_changed
        from .middleware import start_session_clock
        from .models import ApiKey

        user_logged_in.connect(start_session_clock, dispatch_uid="accounts.start_session_clock")
        # Any saved or deleted key makes the cached key lookups stale (accounts/api_keys.py).
        post_save.connect(key_changed, sender=ApiKey, dispatch_uid="accounts.api_key_saved")
        post_delete.connect(key_changed, sender=ApiKey, dispatch_uid="accounts.api_key_deleted")
