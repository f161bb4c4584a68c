"""Storage: static files for production (hashed names, compressed copies, long cache lifetimes)
and the private storage of candidates' voice recordings."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from whitenoise.storage import CompressedManifestStaticFilesStorage

from .env import env_str, env_url, require_package


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # The candidate page is native ES modules: rewrite `import ... from "./ui.js"` to the
    # hashed names too, so a browser never mixes modules from two deploys.
    support_js_module_import_aggregation = True


def recordings_storage(kind: str, data_dir: Path) -> dict:
    """The STORAGES entry for recordings: a private folder (never served as static or media;
    only the recording endpoints read it), or an S3-compatible bucket through django-storages
    (installed by whoever picks it, see the README)."""
    if kind == "filesystem":
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(data_dir / "recordings"), "base_url": None},
        }
    if kind == "s3":
        require_package("RECORDING_STORAGE=s3", "storages", "django-storages[s3]")
        if not env_str("RECORDING_S3_BUCKET"):
            raise ImproperlyConfigured("RECORDING_STORAGE=s3 needs RECORDING_S3_BUCKET (the bucket name).")
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env_str("RECORDING_S3_BUCKET"),
                # None: AWS itself; an URL: any S3-compatible service (MinIO, R2, ...).
                "endpoint_url": (
                    env_url("RECORDING_S3_ENDPOINT_URL", "") if env_str("RECORDING_S3_ENDPOINT_URL") else None
                ),
                "location": "recordings",
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
    raise ImproperlyConfigured(f"RECORDING_STORAGE={kind!r} must be 'filesystem' or 's3'.")
