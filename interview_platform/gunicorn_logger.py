"""Gunicorn's access log, redacted like every other log line.

Gunicorn formats its access log itself (``--access-logfile``), from atoms such
as the request line, the path, the query string and the Referer, any of which
can hold a candidate's join token or a password-reset token. This logger class
redacts every atom first. ``gunicorn.conf.py`` at the repository root selects
it; with another config file, pass ``--logger-class
interview_platform.gunicorn_logger.RedactingLogger``.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from .logging import RedactJoinTokens, redact

# Request headers (atoms such as %({cookie}i)s) that are credentials as a whole.
_SECRET_HEADERS = ("{authorization}i", "{cookie}i", "{x-api-key}i", "{x-csrftoken}i", "{set-cookie}o")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        cleaned = {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
        for key in _SECRET_HEADERS:
            if key in cleaned:
                cleaned[key] = "[redacted]"
        return cleaned

    def setup(self, cfg):
        super().setup(cfg)
        # Gunicorn's error log (worker errors quoting a request) too.
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(RedactJoinTokens())
