"""The webhook management API, mounted at /api/v1/webhooks/."""

from django.urls import path

from . import api

urlpatterns = [
    path("endpoints", api.EndpointListView.as_view(), name="webhooks-endpoints"),
    path("endpoints/<str:endpoint_id>", api.EndpointDetailView.as_view(), name="webhooks-endpoint"),
    path(
        "endpoints/<str:endpoint_id>/disable",
        api.EndpointDisableView.as_view(),
        name="webhooks-endpoint-disable",
    ),
    path(
        "endpoints/<str:endpoint_id>/rotate-secret",
        api.EndpointRotateSecretView.as_view(),
        name="webhooks-endpoint-rotate-secret",
    ),
    path("deliveries", api.DeliveryListView.as_view(), name="webhooks-deliveries"),
    path("deliveries/<str:delivery_id>", api.DeliveryDetailView.as_view(), name="webhooks-delivery"),
    path(
        "deliveries/<str:delivery_id>/redeliver",
        api.DeliveryRedeliverView.as_view(),
        name="webhooks-delivery-redeliver",
    ),
    path("secret/rotate", api.OrganizationSecretRotateView.as_view(), name="webhooks-secret-rotate"),
]
