from django.urls import re_path

from .consumers import InterviewConsumer

websocket_urlpatterns = [
    re_path(r"^ws/interview/(?P<token>[A-Za-z0-9_\-]{16,200})/$", InterviewConsumer.as_asgi()),
]
