"""The webhook management API, mounted at /api/v1/webhooks/."""

from django.urls import path

from . import views

urlpatterns = [
    path("endpoints", views.EndpointListView.as_view(), name="webhooks-endpoints"),
    path("endpoints/<str:endpoint_id>", views.EndpointDetailView.as_view(), name="webhooks-endpoint"),
    path(
        "endpoints/<str:endpoint_id>/disable",
        views.EndpointDisableView.as_view(),
        name="webhooks-endpoint-disable",
    ),
    path(
        "endpoints/<str:endpoint_id>/rotate-secret",
        views.EndpointRotateSecretView.as_view(),
        name="webhooks-endpoint-rotate-secret",
    ),
    path("deliveries", views.DeliveryListView.as_view(), name="webhooks-deliveries"),
    path("deliveries/<str:delivery_id>", views.DeliveryDetailView.as_view(), name="webhooks-delivery"),
    path(
        "deliveries/<str:delivery_id>/redeliver",
        views.DeliveryRedeliverView.as_view(),
        name="webhooks-delivery-redeliver",
    ),
    path("secret/rotate", views.OrganizationSecretRotateView.as_view(), name="webhooks-secret-rotate"),
]
