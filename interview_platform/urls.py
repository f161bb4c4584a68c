from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.mfa_views import login_code

from . import health

# The operators' admin carries the product's name, and "View site" leads to the dashboard.
admin.site.site_header = "AI Interview · Operations"
admin.site.site_title = "AI Interview operations"
admin.site.index_title = "Platform operations"
admin.site.site_url = "/admin/"

urlpatterns = [
    # The dashboard, which sends anonymous visitors to sign in first.
    path("", RedirectView.as_view(pattern_name="dashboard:home"), name="root"),
    path("ops/", admin.site.urls),
    # Before the dashboard's include: the second factor's pages live inside it.
    path("admin/account/", include("accounts.mfa_urls")),
    path("accounts/login/code/", login_code, name="login-code"),
    path("admin/", include("approvals.urls")),
    path("accounts/", include("accounts.web_urls")),
    path("api/v1/", include("interview_platform.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script, so the CSP holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include("interviews.page_urls")),
]

handler400 = "interview_platform.views.bad_request"
handler404 = "interview_platform.views.not_found"
handler500 = "interview_platform.views.server_error"
