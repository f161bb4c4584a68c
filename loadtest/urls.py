"""The platform's URLs plus the floor: bare Django + DRF doing the least a request can.

`GET /loadtest/floor/<id>` reads one row by its key; `POST /loadtest/floor` inserts
one. The platform's endpoints are measured against these in the same run.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.urls import path
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from interview_platform.urls import urlpatterns as platform_urls


class FloorRead(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request, pk):
        user = get_user_model().objects.filter(pk=pk).values("id", "email").first()
        return Response({"id": str(user["id"]), "email": user["email"]})


class FloorWrite(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def post(self, request):
        key = secrets.token_hex(16)
        Session.objects.create(session_key=key, session_data=str(request.data), expire_date=timezone.now())
        return Response({"id": key}, status=201)


urlpatterns = [
    path("loadtest/floor/<uuid:pk>", FloorRead.as_view()),
    path("loadtest/floor", FloorWrite.as_view()),
    *platform_urls,
]
