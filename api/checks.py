"""System checks of the api app's settings: a malformed value stops the start-up, loudly."""

import ipaddress

from django.conf import settings
from django.core.checks import Error, register


@register()
def metrics_networks_check(app_configs=None, **kwargs):
    errors = []
    for network in settings.METRICS_ALLOWED_NETWORKS:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"METRICS_ALLOWED_NETWORKS has {network!r}, which is not a network.",
                    hint="Use CIDR notation, e.g. 10.0.0.0/8,127.0.0.1/32.",
                    id="api.E001",
                )
            )
    return errors
