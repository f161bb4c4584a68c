from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from . import services
from .permissions import IsOrgMember
from .serializers import LoginIn, LoginOut, RefreshIn, TokensOut


class LoginView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=LoginIn,
        responses={
            200: LoginOut,
            401: OpenApiResponse(description="Email or password is incorrect (invalid_credentials)"),
            403: OpenApiResponse(description="The account belongs to no organization"),
        },
        tags=["auth"],
        summary="Sign in",
    )
    def post(self, request):
        data = LoginIn(data=request.data)
        data.is_valid(raise_exception=True)
        user, refresh = services.login(request, data.validated_data["email"], data.validated_data["password"])
        body = {"accessToken": str(refresh.access_token), "refreshToken": str(refresh), "user": user}
        return Response(LoginOut(body).data)


class RefreshView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=RefreshIn,
        responses={
            200: TokensOut,
            401: OpenApiResponse(description="Refresh token expired, revoked or malformed (invalid_token)"),
        },
        tags=["auth"],
        summary="Rotate tokens",
    )
    def post(self, request):
        data = RefreshIn(data=request.data)
        data.is_valid(raise_exception=True)
        access, refresh = services.refresh(data.validated_data["refreshToken"])
        return Response({"accessToken": access, "refreshToken": refresh})


class LogoutView(APIView):
    permission_classes = [IsOrgMember]

    @extend_schema(request=RefreshIn, responses={204: None}, tags=["auth"], summary="Sign out")
    def post(self, request):
        data = RefreshIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.logout(request.user, data.validated_data["refreshToken"])
        return Response(status=status.HTTP_204_NO_CONTENT)
