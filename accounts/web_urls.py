"""Sign-in pages for people, mounted at /accounts/."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import web_views

urlpatterns = [
    path("login/", web_views.LoginView.as_view(), name="login"),
    path("logout/", web_views.LogoutView.as_view(), name="logout"),
    path("password/", web_views.PasswordChangeView.as_view(), name="password_change"),
    path("unlock/<str:token>/", web_views.UnlockView.as_view(), name="sign-in-unlock"),
    path("password-reset/", web_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="registration/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
