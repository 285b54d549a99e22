"""sitemap.xml (django.contrib.sitemaps): published comparisons, public models and prompts, and the
static pages. URLs are absolute on SITE_URL, whatever host the request came in on."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from benchmarks.models import Prompt, VideoModel
from comparisons.models import Comparison


class SiteUrlSitemap(Sitemap):
    """A sitemap whose URLs live on SITE_URL's scheme and host."""

    limit = 5000

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        parts = urlsplit(settings.SITE_URL)
        return parts.netloc + parts.path


class ComparisonSitemap(SiteUrlSitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Comparison.objects.published().order_by("-published_at", "-pk")

    def lastmod(self, item):
        return item.published_at


class ModelSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return VideoModel.objects.benchmarked().order_by("slug")


class PromptSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        # The prompt library's prompts (what PromptDetailView answers), last shown when.
        return (
            Prompt.objects.published()
            .annotate(last_shown=Max("comparisons__published_at"))
            .order_by("slug")
        )

    def lastmod(self, item):
        return item.last_shown


class StaticSitemap(SiteUrlSitemap):
    changefreq = "daily"
    priority = 0.7
    pages = [
        "comparisons:home", "comparisons:leaderboard", "comparisons:models",
        "comparisons:prompts", "comparisons:methodology", "arena:leaderboard",
    ]  # fmt: skip

    def items(self):
        return self.pages

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "comparisons": ComparisonSitemap,
    "models": ModelSitemap,
    "prompts": PromptSitemap,
    "pages": StaticSitemap,
}
