import logging
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_platform.settings")
django_asgi_app = get_asgi_application()

from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402
from django.conf import settings  # noqa: E402

from interview_platform.logging import redact_daphne_access_log  # noqa: E402
from interview_platform.socket_origin import SocketOriginValidator  # noqa: E402
from interviews.agents import warm_up  # noqa: E402
from interviews.routing import websocket_urlpatterns  # noqa: E402

logger = logging.getLogger(__name__)
# Daphne's access log would print candidates' join tokens and password-reset links.
redact_daphne_access_log()

# Sockets ask the engine for the next move with each answer, and join their
# interview's channel-layer group: build both while the server starts, not
# while the first candidate waits (the Redis layer's modules take a few hundred ms to load).
warm_up()
get_channel_layer()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SocketOriginValidator(SessionMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

if settings.EMBEDDED:
    from interview_platform import jobs  # noqa: E402

    jobs.runner()
    if settings.WEBHOOK_ALLOWED_NETWORKS:
        logger.warning(
            "webhooks may be delivered to %s (WEBHOOK_ALLOWED_CIDRS); production leaves it empty",
            ", ".join(str(n) for n in settings.WEBHOOK_ALLOWED_NETWORKS),
        )
