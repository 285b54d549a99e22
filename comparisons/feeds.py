"""RSS and Atom feeds of newly published comparisons (django.contrib.syndication)."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator

from comparisons import share
from comparisons.models import Comparison

#: Comparisons a feed lists, newest first.
FEED_ITEMS = 30


class NewComparisonsFeed(Feed):
    """RSS 2.0: the newest published comparisons, links absolute on SITE_URL."""

    title = "Lockstep: new comparisons"
    description = "AI video models compared side by side on the same prompt, newest first."

    def link(self):
        return share.absolute(reverse("comparisons:home"))

    def items(self):
        return Comparison.objects.published().latest_first()[:FEED_ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return Truncator(item.prompt.text).words(60)

    def item_link(self, item):
        return share.absolute(item.get_absolute_url())

    def item_guid(self, item):
        return share.absolute(item.get_absolute_url())

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_categories(self, item):
        return [item.prompt.get_category_display()]


class NewComparisonsAtomFeed(NewComparisonsFeed):
    """The same items as Atom 1.0."""

    feed_type = Atom1Feed
    subtitle = NewComparisonsFeed.description

    def feed_url(self):
        return share.absolute(reverse("comparisons:feed_atom"))
