"""System check: the CSP lets browsers load the media the storage serves (else every clip and
poster is blocked, silently, on every page)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register
from django.core.files.storage import storages
from django.utils.csp import CSP

SAMPLE_KEY = "media/csp-check/poster.jpg"
DIRECTIVES = ("media-src", "img-src")


def _allows(sources: list[str], url: str) -> bool:
    parts = urlsplit(url)
    if not parts.netloc:  # same origin
        return CSP.SELF in sources
    origin = f"{parts.scheme}://{parts.netloc}"
    return any(source in (origin, "*", f"{parts.scheme}:") for source in sources)


@register()
def media_csp_check(app_configs=None, **kwargs):
    policy = getattr(settings, "SECURE_CSP", None) or {}
    if not policy:
        return []
    url = storages["default"].url(SAMPLE_KEY)
    errors = []
    for directive in DIRECTIVES:
        sources = policy.get(directive, policy.get("default-src", []))
        if not _allows(sources, url):
            errors.append(
                Error(
                    f"The Content-Security-Policy's {directive} blocks media: the storage serves "
                    f"{url.split('?')[0]}, and {directive} allows only {', '.join(sources)}.",
                    hint="Set AWS_S3_CUSTOM_DOMAIN, AWS_S3_ENDPOINT_URL or MEDIA_URL to where "
                    "media is served from (SECURE_CSP's media-src and img-src are derived from "
                    "them), or add that origin to SECURE_CSP.",
                    id="media_pipeline.E001",
                )
            )
    return errors
