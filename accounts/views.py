from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from . import services
from .permissions import IsOrgMember
from .serializers import LoginIn, LoginOut, PasswordChangeIn, RefreshIn, TokensOut


class LoginView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=LoginIn,
        responses={
            200: LoginOut,
            401: OpenApiResponse(description="Email or password is incorrect"),
            429: OpenApiResponse(
                description=(
                    "Too many wrong passwords for this account from this address, from this address "
                    "for any account, or for this account from anywhere (locked; its owner is emailed an "
                    "unlock link). No password is checked; Retry-After says when to try again."
                )
            ),
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
            401: OpenApiResponse(
                description=(
                    "Expired, revoked or already used. Using a rotated refresh token again ends the whole "
                    "sign-in it belongs to (every token rotated from it); a sign-in also ends "
                    "JWT_SIGN_IN_MAX_DAYS after the password was typed, however often it is refreshed."
                )
            ),
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

    @extend_schema(
        request=RefreshIn,
        responses={204: None},
        tags=["auth"],
        summary="Sign out",
        description=(
            "Ends this sign-in: the refresh token and every access token of the same sign-in stop "
            "working at once (401)."
        ),
    )
    def post(self, request):
        data = RefreshIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.logout(request.user, data.validated_data["refreshToken"], request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutEverywhereView(APIView):
    permission_classes = [IsOrgMember]

    @extend_schema(
        request=None,
        responses={204: None, 401: OpenApiResponse(description="Missing, expired or revoked access token")},
        tags=["auth"],
        summary="Sign out everywhere",
        description=(
            "Ends every API sign-in of the calling user, on every device: all their refresh tokens are "
            "revoked and all their access tokens, this one included, are refused from the next request. "
            "A new password or a deactivated account does the same."
        ),
    )
    def post(self, request):
        services.logout_everywhere(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    permission_classes = [IsOrgMember]

    @extend_schema(
        request=PasswordChangeIn,
        responses={
            200: TokensOut,
            400: OpenApiResponse(
                description="currentPassword is wrong, or newPassword too weak (error.fields)"
            ),
            429: OpenApiResponse(
                description="Too many wrong current passwords; Retry-After says when to try again"
            ),
        },
        tags=["auth"],
        summary="Change my password",
        description=(
            "Sets a new password. Every sign-in of the account ends (all refresh and access tokens, this "
            "one included; dashboard sessions too), and a new token pair for this client is returned."
        ),
    )
    def post(self, request):
        data = PasswordChangeIn(data=request.data)
        data.is_valid(raise_exception=True)
        refresh = services.change_password(
            request, request.user, data.validated_data["currentPassword"], data.validated_data["newPassword"]
        )
        return Response({"accessToken": str(refresh.access_token), "refreshToken": str(refresh)})
