from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path

from comparisons.sitemaps import SITEMAPS
from comparisons.views import robots_txt
from media_pipeline.serve import serve_media, serve_original

urlpatterns = [
    path("admin/", admin.site.urls),
    path("webhooks/", include("benchmarks.urls")),
    path("api/", include("api.urls")),
    path("", include("ops.urls")),  # /metrics and /ops/
    path("arena/", include("arena.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("", include("comparisons.urls")),
]

if settings.SERVE_LOCAL_MEDIA:
    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(rf"^{prefix}(?P<path>.+)$", serve_media, name="media"),
        re_path(r"^originals/(?P<path>.+)$", serve_original, name="original"),
    ]

handler404 = "comparisons.views.page_not_found"
handler500 = "comparisons.views.server_error"
