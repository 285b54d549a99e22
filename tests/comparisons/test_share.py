"""Worth sharing: link previews (OpenGraph, Twitter card, canonical), the share image, the embed
page and oEmbed, sitemap.xml, robots.txt and the feeds of new comparisons."""

import json
import re
import subprocess
from io import StringIO
from xml.etree import ElementTree

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.urls import reverse

from benchmarks.models import VideoAsset
from comparisons import tasks
from comparisons.models import Comparison
from comparisons.services import comparison_publish
from comparisons.share import HEIGHT, WIDTH, comparison_make_share_image
from media_pipeline.ffmpeg import ffmpeg_exe
from tests.comparisons.conftest import add_clip, build_catalog
from tests.factories import (
    ComparisonFactory,
    PromptFactory,
    RunFactory,
    VideoModelFactory,
)

pytestmark = pytest.mark.django_db

SITE = "https://lockstep.example"
#: Solid poster colours, one per clip, and where each lands in the 2x2 grid.
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def catalog():
    return build_catalog(4, clips_per_run=4)


def meta(html: str, key: str) -> str | None:
    """Return the content of the <meta property|name=key> tag, or None."""
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return found.group(1) if found else None


def link_href(html: str, rel: str, type_: str | None = None) -> str | None:
    """Return the href of the first <link> with this rel (and type), or None."""
    for tag in re.findall(r"<link [^>]*>", html):
        attributes = dict(re.findall(r'([a-z-]+)="([^"]*)"', tag))
        if attributes.get("rel") == rel and type_ in (None, attributes.get("type")):
            return attributes["href"].replace("&amp;", "&")
    return None


def write_posters(comparison, media_root, *, sizes=None):
    """Write a real JPEG of one solid colour at each of the comparison's poster keys."""
    assets = VideoAsset.objects.filter(tier="poster", generation__comparisons=comparison).order_by(
        "generation_id"
    )
    for index, asset in enumerate(assets):
        red, green, blue = COLOURS[index % len(COLOURS)]
        size = (sizes or {}).get(index, "320x180")
        target = media_root / "media" / asset.key
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i",
             f"color=c=0x{red:02x}{green:02x}{blue:02x}:s={size}:d=1", "-frames:v", "1",
             "-q:v", "2", str(target)],
            check=True,
        )  # fmt: skip
    return list(assets)


def decode_rgb(path) -> bytes:
    """Return the image's pixels as raw RGB24."""
    return subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-i", str(path), "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip


def pixel(raw: bytes, x: int, y: int) -> tuple[int, int, int]:
    offset = (y * WIDTH + x) * 3
    return tuple(raw[offset : offset + 3])


def close(actual, expected, tolerance=40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


# --- Link previews ------------------------------------------------------------------------------


def test_a_comparison_page_has_card_tags_and_a_canonical_link_with_the_first_poster(
    client, catalog
):
    comparison = catalog["comparisons"][0]
    first_poster = (
        VideoAsset.objects.filter(tier="poster", generation__comparisons=comparison)
        .order_by("generation_id")
        .first()
    )
    html = client.get(comparison.get_absolute_url() + "?t=2").content.decode()

    assert link_href(html, "canonical") == SITE + comparison.get_absolute_url()
    assert meta(html, "og:title") == comparison.title
    assert meta(html, "twitter:title") == comparison.title
    assert comparison.prompt.text.split()[0] in meta(html, "og:description")
    assert meta(html, "og:url") == SITE + comparison.get_absolute_url()
    # No share image yet: the first clip's poster, absolute.
    assert meta(html, "og:image") == SITE + "/media/" + first_poster.key
    assert meta(html, "twitter:image") == meta(html, "og:image")
    assert meta(html, "twitter:card") == "summary_large_image"


def test_model_and_prompt_pages_have_card_tags_and_canonical_links(client, catalog):
    model = catalog["models"][0]
    html = client.get(model.get_absolute_url() + "?page=1").content.decode()
    assert link_href(html, "canonical") == SITE + model.get_absolute_url()
    assert model.display_name in meta(html, "og:title")
    assert meta(html, "og:description")
    assert meta(html, "og:image").startswith(SITE + "/media/poster/")

    prompt = catalog["comparisons"][0].prompt
    html = client.get(prompt.get_absolute_url()).content.decode()
    assert link_href(html, "canonical") == SITE + prompt.get_absolute_url()
    assert meta(html, "og:title") == prompt.title
    assert meta(html, "og:image").startswith(SITE + "/media/poster/")


def test_a_page_without_a_poster_shares_a_summary_card_without_an_image(client):
    run = RunFactory(prompt=PromptFactory(published=True), state="complete")
    generation = add_clip(run, VideoModelFactory(synthetic=False))
    generation.assets.filter(tier="poster").delete()
    comparison = ComparisonFactory(prompt=run.prompt, run=run)
    comparison.generations.set([generation])
    html = client.get(comparison.get_absolute_url()).content.decode()
    assert meta(html, "og:image") is None
    assert meta(html, "twitter:card") == "summary"


def test_static_pages_have_a_canonical_link_without_the_query(client, catalog):
    html = client.get(reverse("comparisons:leaderboard") + "?sort=cost").content.decode()
    assert link_href(html, "canonical") == SITE + reverse("comparisons:leaderboard")


# --- The share image ------------------------------------------------------------------------------


def test_the_share_image_is_a_2x2_grid_of_the_posters_and_pages_then_show_it(
    client, catalog, media_dirs
):
    comparison = catalog["comparisons"][0]
    # Posters of different shapes: each is fitted into its cell, letterboxed in black.
    write_posters(comparison, media_dirs, sizes={1: "180x320"})

    key = comparison_make_share_image(comparison)

    assert key.startswith("share/")
    assert key.endswith(".jpg")
    comparison.refresh_from_db()
    assert comparison.share_image == key
    path = storages["default"].path(key)
    raw = decode_rgb(path)
    assert len(raw) == WIDTH * HEIGHT * 3
    quarter_x, quarter_y = WIDTH // 4, HEIGHT // 4
    cells = [(quarter_x, quarter_y), (3 * quarter_x, quarter_y),
             (quarter_x, 3 * quarter_y), (3 * quarter_x, 3 * quarter_y)]  # fmt: skip
    for (x, y), colour in zip(cells, COLOURS, strict=True):
        assert close(pixel(raw, x, y), colour), (x, y, pixel(raw, x, y), colour)
    # The portrait poster is pillarboxed in its cell.
    assert close(pixel(raw, WIDTH // 2 + 10, quarter_y), (0, 0, 0))

    html = client.get(comparison.get_absolute_url()).content.decode()
    assert meta(html, "og:image") == SITE + "/media/" + key
    prompt_html = client.get(comparison.prompt.get_absolute_url()).content.decode()
    assert meta(prompt_html, "og:image") == SITE + "/media/" + key


def test_a_comparison_of_two_clips_fills_the_rest_of_the_grid_with_black(media_dirs):
    data = build_catalog(2, clips_per_run=2)
    comparison = data["comparisons"][0]
    write_posters(comparison, media_dirs)
    raw = decode_rgb(storages["default"].path(comparison_make_share_image(comparison)))
    assert close(pixel(raw, WIDTH // 4, HEIGHT // 4), COLOURS[0])
    assert close(pixel(raw, 3 * WIDTH // 4, HEIGHT // 4), COLOURS[1])
    assert close(pixel(raw, WIDTH // 4, 3 * HEIGHT // 4), (0, 0, 0))


def test_the_share_image_task_makes_the_image_and_refreshes_the_cached_pages(
    client, catalog, media_dirs
):
    comparison = catalog["comparisons"][0]
    write_posters(comparison, media_dirs)
    client.get(comparison.get_absolute_url())  # cached with the first poster
    tasks.comparison_make_share_image(comparison.pk)
    comparison.refresh_from_db()
    html = client.get(comparison.get_absolute_url()).content.decode()
    assert meta(html, "og:image") == SITE + "/media/" + comparison.share_image


def test_publishing_a_comparison_queues_its_share_image(
    monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(tasks.comparison_make_share_image, "delay", queued.append)
    run = RunFactory(prompt=PromptFactory(published=True), state="complete")
    add_clip(run, VideoModelFactory(synthetic=False))
    with django_capture_on_commit_callbacks(execute=True):
        comparison = comparison_publish(run=run)
    assert queued == [comparison.pk]


# --- Embed and oEmbed -------------------------------------------------------------------------


def csp(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


def test_the_embed_page_is_just_the_player_framable_from_anywhere(client, catalog):
    comparison = catalog["comparisons"][0]
    url = reverse("comparisons:embed", kwargs={"slug": comparison.slug})
    for attempt in ("miss", "hit"):  # the page cache replays the same headers
        response = client.get(url)
        assert response.status_code == 200
        assert response["X-Page-Cache"] == attempt
        assert csp(response)["frame-ancestors"] == "*"
        assert "X-Frame-Options" not in response
        # Everything else of the site's policy still holds.
        assert csp(response)["script-src"] == "'self'"
    html = response.content.decode()
    assert html.count("data-compare-player") == 1
    assert html.count('class="cp-clip ') == 4
    assert f'href="{SITE}{comparison.get_absolute_url()}"' in html
    assert 'class="site-header"' not in html


@pytest.mark.parametrize("page", ["home", "detail", "model", "prompts", "leaderboard"])
def test_the_rest_of_the_site_still_forbids_framing(client, catalog, page):
    urls = {
        "home": reverse("comparisons:home"),
        "detail": catalog["comparisons"][0].get_absolute_url(),
        "model": catalog["models"][0].get_absolute_url(),
        "prompts": reverse("comparisons:prompts"),
        "leaderboard": reverse("comparisons:leaderboard"),
    }
    response = client.get(urls[page])
    assert csp(response)["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_an_unpublished_comparison_has_no_embed(client, catalog):
    comparison = catalog["comparisons"][0]
    Comparison.objects.filter(pk=comparison.pk).update(published=False)
    assert (
        client.get(reverse("comparisons:embed", kwargs={"slug": comparison.slug})).status_code
        == 404
    )


def test_a_comparison_page_advertises_oembed_which_answers_a_video_iframe(client, catalog):
    comparison = catalog["comparisons"][0]
    html = client.get(comparison.get_absolute_url()).content.decode()
    endpoint = link_href(html, "alternate", "application/json+oembed")
    assert endpoint.startswith(SITE + reverse("comparisons:oembed") + "?url=")

    response = client.get(endpoint.removeprefix(SITE))
    assert response.status_code == 200
    answer = json.loads(response.content)
    assert answer["version"] == "1.0"
    assert answer["type"] == "video"
    assert answer["title"] == comparison.title
    assert answer["provider_url"] == SITE + "/"
    embed = SITE + reverse("comparisons:embed", kwargs={"slug": comparison.slug})
    assert f'<iframe src="{embed}" width="960" height="640"' in answer["html"]
    assert (answer["width"], answer["height"]) == (960, 640)
    assert answer["thumbnail_url"].startswith(SITE + "/media/poster/")


def test_oembed_scales_the_iframe_to_the_consumers_maximum(client, catalog):
    url = SITE + catalog["comparisons"][0].get_absolute_url()
    answer = client.get(reverse("comparisons:oembed"), {"url": url, "maxwidth": "480"}).json()
    assert (answer["width"], answer["height"]) == (480, 320)
    assert 'width="480" height="320"' in answer["html"]


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/compare/{slug}/",
        SITE + "/models/",
        SITE + "/compare/no-such-comparison/",
        SITE + "/nowhere/at/all",
        "",
    ],
)
def test_oembed_answers_404_for_anything_but_a_published_comparison_here(client, catalog, url):
    url = url.format(slug=catalog["comparisons"][0].slug)
    assert client.get(reverse("comparisons:oembed"), {"url": url}).status_code == 404


def test_oembed_refuses_xml_and_unpublished_comparisons(client, catalog):
    comparison = catalog["comparisons"][0]
    url = SITE + comparison.get_absolute_url()
    oembed = reverse("comparisons:oembed")
    assert client.get(oembed, {"url": url, "format": "xml"}).status_code == 501
    Comparison.objects.filter(pk=comparison.pk).update(published=False)
    assert client.get(oembed, {"url": url}).status_code == 404


# --- sitemap.xml, robots.txt and the feeds ----------------------------------------------------

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_the_sitemap_lists_only_public_pages_on_the_site_url(client, catalog):
    hidden = catalog["comparisons"][1]
    Comparison.objects.filter(pk=hidden.pk).update(published=False)
    unbenchmarked = VideoModelFactory(slug="never-run")
    draft = PromptFactory(published=False, slug="a-draft")

    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    urls = {loc.text for loc in root.findall("s:url/s:loc", SITEMAP_NS)}

    for comparison in catalog["comparisons"]:
        listed = SITE + comparison.get_absolute_url() in urls
        assert listed is (comparison.pk != hidden.pk)
    # Models with a public clip: those of the still published comparisons.
    assert SITE + catalog["models"][0].get_absolute_url() in urls
    assert SITE + unbenchmarked.get_absolute_url() not in urls
    assert SITE + catalog["comparisons"][0].prompt.get_absolute_url() in urls
    assert SITE + draft.get_absolute_url() not in urls
    for name in ("home", "leaderboard", "models", "prompts", "methodology"):
        assert SITE + reverse(f"comparisons:{name}") in urls
    assert all(url.startswith(SITE + "/") for url in urls)


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /" not in lines


def test_the_rss_feed_lists_published_comparisons_newest_first(client, catalog):
    hidden = catalog["comparisons"][0]
    Comparison.objects.filter(pk=hidden.pk).update(published=False)
    response = client.get(reverse("comparisons:feed_rss"))
    assert response["Content-Type"].startswith("application/rss+xml")
    items = ElementTree.fromstring(response.content).findall("channel/item")
    links = [item.findtext("link") for item in items]
    shown = sorted(catalog["comparisons"][1:], key=lambda c: c.published_at, reverse=True)
    assert links == [SITE + c.get_absolute_url() for c in shown]
    assert items[0].findtext("title") == shown[0].title


def test_the_atom_feed_lists_the_same_comparisons(client, catalog):
    response = client.get(reverse("comparisons:feed_atom"))
    assert response["Content-Type"].startswith("application/atom+xml")
    atom = {"a": "http://www.w3.org/2005/Atom"}
    root = ElementTree.fromstring(response.content)
    links = [entry.find("a:link", atom).get("href") for entry in root.findall("a:entry", atom)]
    assert sorted(links) == sorted(SITE + c.get_absolute_url() for c in catalog["comparisons"])
    assert root.find("a:link[@rel='self']", atom).get("href") == SITE + "/feeds/comparisons.atom"


def test_every_page_links_the_feeds(client):
    html = client.get(reverse("comparisons:home")).content.decode()
    assert link_href(html, "alternate", "application/rss+xml") == reverse("comparisons:feed_rss")
    assert link_href(html, "alternate", "application/atom+xml") == reverse("comparisons:feed_atom")


def test_a_missing_poster_file_is_left_out_of_the_grid(media_dirs):
    data = build_catalog(2, clips_per_run=2)
    comparison = data["comparisons"][0]
    first, second = write_posters(comparison, media_dirs)
    (media_dirs / "media" / first.key).unlink()
    raw = decode_rgb(storages["default"].path(comparison_make_share_image(comparison)))
    assert close(pixel(raw, WIDTH // 4, HEIGHT // 4), COLOURS[1])
    assert close(pixel(raw, 3 * WIDTH // 4, HEIGHT // 4), (0, 0, 0))


def test_no_poster_file_at_all_makes_no_share_image(media_dirs):
    comparison = build_catalog(2, clips_per_run=2)["comparisons"][0]
    assert comparison_make_share_image(comparison) == ""
    comparison.refresh_from_db()
    assert comparison.share_image == ""


def test_make_share_images_fills_in_the_published_comparisons_without_one(media_dirs):
    data = build_catalog(3, clips_per_run=2)
    done, missing, hidden = data["comparisons"]
    for comparison in data["comparisons"]:
        write_posters(comparison, media_dirs)
    comparison_make_share_image(done)
    kept = Comparison.objects.get(pk=done.pk).share_image
    Comparison.objects.filter(pk=hidden.pk).update(published=False)
    out = StringIO()

    call_command("make_share_images", stdout=out)

    assert "Made 1 share image(s); 0 comparison(s) have no poster; 0 failed." in out.getvalue()
    assert Comparison.objects.get(pk=missing.pk).share_image.startswith("share/")
    assert Comparison.objects.get(pk=done.pk).share_image == kept
    assert Comparison.objects.get(pk=hidden.pk).share_image == ""
