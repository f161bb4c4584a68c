from rest_framework import serializers


class LoginIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=(
            "Only for accounts with two-step sign-in: the current 6-digit code from the authenticator app, "
            "or a recovery code. Missing → 401 otp_required; wrong → 401 otp_invalid."
        ),
    )


class UserOut(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    role = serializers.CharField()
    fullName = serializers.CharField(source="full_name")
    organizationId = serializers.UUIDField(source="organization_id")


class LoginOut(serializers.Serializer):
    accessToken = serializers.CharField()
    refreshToken = serializers.CharField()
    user = UserOut()


class RefreshIn(serializers.Serializer):
    refreshToken = serializers.CharField(max_length=2000)


class TokensOut(serializers.Serializer):
    accessToken = serializers.CharField()
    refreshToken = serializers.CharField()


class PasswordChangeIn(serializers.Serializer):
    currentPassword = serializers.CharField(max_length=256, trim_whitespace=False)
    newPassword = serializers.CharField(max_length=256, trim_whitespace=False)
