from django.urls import include, path

from accounts import views as auth_views

urlpatterns = [
    path("auth/login", auth_views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", auth_views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", auth_views.LogoutView.as_view(), name="auth-logout"),
    path("auth/password", auth_views.PasswordChangeView.as_view(), name="auth-password"),
    path("auth/logout-everywhere", auth_views.LogoutEverywhereView.as_view(), name="auth-logout-everywhere"),
    path("webhooks/", include("webhooks.api_urls")),
    path("", include("interviews.api.urls")),
    path("", include("approvals.api_urls")),
]
