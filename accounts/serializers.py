from rest_framework import serializers


class LoginIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


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
