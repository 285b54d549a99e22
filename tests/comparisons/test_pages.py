"""What each public page shows: status, key content, links, labels."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from benchmarks.models import Generation, VideoModel
from comparisons import views
from tests.comparisons.conftest import add_clip, build_catalog, published_run
from tests.factories import ComparisonFactory, PromptFactory, RunFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_featured_and_latest_comparisons_and_a_leaderboard_snapshot(
    client, catalog
):
    response = client.get(reverse("comparisons:home"))
    html = response.content.decode()
    assert response.status_code == 200
    for comparison in catalog["comparisons"]:
        assert comparison.get_absolute_url() in html
    assert "Featured" in html
    assert "More comparisons" in html
    assert "Leaderboard at a glance" in html
    assert 'data-preview="/media/preview/' in html  # the card plays the 480p preview on hover
    assert 'src="/media/poster/' in html
    assert "hover-preview.js" in html
    assert "<script>" not in html
    assert "style=" not in html


def test_the_comparison_page_shows_every_number_of_each_clip(client, catalog):
    comparison = catalog["comparisons"][0]
    response = client.get(comparison.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert comparison.prompt.text in html
    assert comparison.prompt.get_category_display() in html
    for generation in comparison.generations.all():
        assert generation.video_model.display_name in html
        assert f"{generation.video_model.slug}-2026-01" in html  # model version as reported
        assert f'id="clip-{generation.pk}"' in html
    assert "40.0 s" in html  # generation time at the provider
    assert "$0.50" in html
    assert "$0.100" in html
    assert "1280×720" in html
    assert "24 fps" in html
    assert "5.00 s" in html
    assert "min 0.700" in html
    assert "σ 0.020" in html
    assert 'href="?t=1.25" data-seek="1.25"' in html  # a flicker spike seeks the player
    assert "Exact settings" in html
    assert "&quot;seed&quot;: 7" in html
    assert 'preload="metadata"' in html
    assert 'poster="/media/poster/' in html


def test_synthetic_and_retired_models_are_labelled_on_the_comparison_page(client):
    prompt = PromptFactory()
    run = RunFactory(prompt=prompt, state="complete")
    demo = VideoModelFactory(slug="local-smooth", synthetic=True)
    old = VideoModelFactory(
        slug="old-model", synthetic=False, lifecycle=VideoModel.Lifecycle.RETIRED
    )
    comparison = ComparisonFactory(prompt=prompt, run=run)
    comparison.generations.set([add_clip(run, demo), add_clip(run, old)])
    html = client.get(comparison.get_absolute_url()).content.decode()
    assert "synthetic demo" in html
    assert "badge-retired" in html


def test_an_earlier_run_of_the_same_prompt_plays_against_this_one(client, catalog):
    comparison = catalog["comparisons"][0]
    model = comparison.generations.first().video_model
    earlier = published_run(
        prompt=comparison.prompt,
        state="complete",
        created_at=comparison.run.created_at - timedelta(days=40),
    )
    add_clip(earlier, model, coherence=0.6, seconds=90, spikes=(2.5,))

    page = client.get(comparison.get_absolute_url()).content.decode()
    assert f'<option value="{earlier.pk}"' in page  # offered as "then"

    html = client.get(f"{comparison.get_absolute_url()}?vs={earlier.pk}").content.decode()
    assert "Then vs now" in html
    assert "How the numbers moved" in html
    assert "+0.200" in html  # coherence 0.6 then, 0.8 now
    assert "−50.0 s" in html  # 90 s then, 40 s now
    player = html[html.index('id="compare-player-data"') :]
    assert model.display_name in player
    assert earlier.created_at.strftime("%Y") in player
    assert f'href="?vs={earlier.pk}&amp;t=2.5" data-seek="2.5"' in html  # share links keep vs


def test_an_unknown_earlier_run_is_ignored(client, catalog):
    comparison = catalog["comparisons"][0]
    response = client.get(f"{comparison.get_absolute_url()}?vs=999999")
    assert response.status_code == 200
    assert "How the numbers moved" not in response.content.decode()


def test_unpublished_comparisons_are_not_found(client):
    comparison = ComparisonFactory(published=False)
    response = client.get(comparison.get_absolute_url())
    assert response.status_code == 404
    assert "We can't find that page." in response.content.decode()


def test_the_leaderboard_lists_each_benchmarked_model_with_links_to_its_clips(client, catalog):
    VideoModelFactory(slug="never-run", display_name="Never Run")
    response = client.get(reverse("comparisons:leaderboard") + "?category=scene")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Never Run" not in html  # no generation, no row
    model = catalog["models"][0]
    assert f'href="{model.get_absolute_url()}?category=scene#clips"' in html
    assert "Real cost / usable clip" in html
    assert "Arena" in html
    assert html.count('<svg class="chart"') == 3
    assert 'aria-sort="descending"' in html  # sorted by coherence, best first


def test_the_leaderboard_sort_links_flip_the_current_column(client, catalog):
    html = client.get(reverse("comparisons:leaderboard") + "?sort=time").content.decode()
    assert 'href="?sort=-time"' in html  # click again: slowest first
    assert 'href="?sort=coherence"' in html


def test_the_leaderboard_shows_a_page_of_models_at_a_time_keeping_filter_and_sort(client):
    # A year of data is 300 models: one table and one set of charts of them all was most of
    # the page's time, growing with the catalogue.
    run = published_run(prompt=PromptFactory(category="scene"), state="complete")
    for i in range(views.LeaderboardView.rows_per_page + 5):
        add_clip(run, VideoModelFactory(slug=f"m{i}", display_name=f"M{i:03}"), seconds=10 + i)
    url = reverse("comparisons:leaderboard") + "?category=scene&sort=time"
    html = client.get(url).content.decode()
    assert html.count('class="model-link"') == views.LeaderboardView.rows_per_page
    assert ">M000<" in html and ">M054<" not in html  # noqa: PT018  fastest first
    assert 'href="?category=scene&amp;sort=time&amp;page=2"' in html
    assert "Lower →" in html
    html = client.get(url + "&page=2").content.decode()
    assert html.count('class="model-link"') == 5
    assert ">M054<" in html and ">M000<" not in html  # noqa: PT018


def test_an_empty_leaderboard_says_so(client):
    html = client.get(reverse("comparisons:leaderboard")).content.decode()
    assert "No model has a clip matching these filters yet." in html


def test_the_models_list_shows_every_benchmarked_model(client, catalog):
    html = client.get(reverse("comparisons:models")).content.decode()
    for model in catalog["models"]:
        assert model.get_absolute_url() in html


def test_the_model_page_shows_capabilities_prices_notes_and_its_clips(client, catalog):
    model = catalog["models"][0]
    model.staff_notes = "Great at slow camera pushes."
    model.save()
    response = client.get(model.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Great at slow camera pushes." in html
    assert "Text to video" in html
    assert "Durations:</strong> 5, 8" in html
    assert "$0.100 per second of video" in html  # price history
    assert html.count('class="mini-clip"') == 3
    assert catalog["comparisons"][0].get_absolute_url() in html


def test_the_model_page_paginates_its_clips(client, catalog, monkeypatch):
    monkeypatch.setattr(views.ModelDetailView, "clips_per_page", 2)
    model = catalog["models"][0]
    first = client.get(model.get_absolute_url()).content.decode()
    second = client.get(model.get_absolute_url() + "?page=2").content.decode()
    assert first.count('class="mini-clip"') == 2
    assert "Page 1 of 2" in first
    assert second.count('class="mini-clip"') == 1


def test_the_model_page_lists_its_newest_clip_first(client, catalog):
    """Newest by when the clip was made: one imported today into an old comparison is new."""
    model = catalog["models"][0]
    clips = list(Generation.objects.public().completed().of_model(model).order_by("pk"))
    Generation.objects.filter(pk=clips[0].pk).update(queued_at=timezone.now())
    html = client.get(model.get_absolute_url()).content.decode()
    urls = [clip.run.comparison.get_absolute_url() for clip in clips]
    assert html.index(urls[0]) < min(html.index(url) for url in urls[1:])


def test_a_model_without_generations_has_no_page(client):
    model = VideoModelFactory(slug="never-run")
    assert client.get(model.get_absolute_url()).status_code == 404


def test_the_prompt_library_lists_published_prompts_by_category(client, catalog):
    PromptFactory(title="Hidden draft", published=False)
    html = client.get(reverse("comparisons:prompts")).content.decode()
    assert "Hidden draft" not in html
    for comparison in catalog["comparisons"]:
        assert comparison.prompt.get_absolute_url() in html
    motion = client.get(reverse("comparisons:prompts") + "?category=motion").content.decode()
    assert motion.count('class="prompt-item"') == 1


def test_the_prompt_page_shows_its_runs_comparisons_and_staff_notes(client, catalog):
    comparison = catalog["comparisons"][0]
    prompt = comparison.prompt
    prompt.staff_notes = "Models struggle with the rain."
    prompt.save()
    html = client.get(prompt.get_absolute_url()).content.decode()
    assert "Models struggle with the rain." in html
    assert comparison.get_absolute_url() in html
    assert "How each model did on this prompt" in html


def test_the_methodology_page_explains_every_metric(client):
    html = client.get(reverse("comparisons:methodology")).content.decode()
    for words in (
        "Temporal coherence", "SSIM", "scikit-image", "5 frames per second", "Flicker",
        "Motion", "Frozen", "black", "Sharpness", "Generation time", "Cost per clip",
        "Real cost per usable clip", "Synthetic demo", "Limits",
    ):  # fmt: skip
        assert words in html, words


def test_the_server_error_page_renders_without_the_database(rf, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = views.server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side." in response.content.decode()


def test_pages_link_to_each_other_in_the_navigation(client):
    html = client.get(reverse("comparisons:methodology")).content.decode()
    for name in ("home", "leaderboard", "models", "prompts", "methodology", "arena:vote-page"):
        assert f'href="{reverse(name if ":" in name else f"comparisons:{name}")}"' in html
    assert 'aria-current="page">Methodology' in html


@pytest.mark.parametrize("size", [1])
def test_a_comparison_with_one_clip_still_renders(client, size):
    data = build_catalog(size, clips_per_run=1)
    assert client.get(data["comparisons"][0].get_absolute_url()).status_code == 200


def test_a_clip_says_billed_when_the_provider_reported_its_cost_else_est(client, catalog):
    from decimal import Decimal

    from benchmarks.models import Generation

    comparison = catalog["comparisons"][0]
    billed, estimated = list(comparison.generations.order_by("pk"))[:2]
    Generation.objects.filter(pk=billed.pk).update(actual_cost=Decimal("0.42"))

    html = client.get(comparison.get_absolute_url()).content.decode()

    billed_block = html.split(f'id="clip-{billed.pk}"', 1)[1].split('id="clip-', 1)[0]
    assert "$0.42 <abbr" in billed_block
    assert ">billed</abbr>" in billed_block
    assert ">est.</abbr>" not in billed_block
    estimated_block = html.split(f'id="clip-{estimated.pk}"', 1)[1].split('id="clip-', 1)[0]
    assert ">est.</abbr>" in estimated_block


def test_then_vs_now_is_right_when_the_page_of_the_older_run_is_opened(client, catalog):
    comparison = catalog["comparisons"][0]
    model = comparison.generations.first().video_model
    newer = published_run(
        prompt=comparison.prompt,
        state="complete",
        created_at=comparison.run.created_at + timedelta(days=40),
    )
    newer_clip = add_clip(newer, model, coherence=0.6, seconds=90, cost="0.90")

    html = client.get(f"{comparison.get_absolute_url()}?vs={newer.pk}").content.decode()

    table = html[html.index("How the numbers moved") : html.index("</table>")]
    assert "−0.200" in table  # coherence 0.8 then (this older run), 0.6 now
    assert "+50.0 s" in table  # 40 s then, 90 s now
    assert "+0.40 USD" in table  # $0.50 then, $0.90 now: the cost rose
    player = html[html.index('id="compare-player-data"') :]
    now_label = model.display_name + " \\u00b7 now"
    assert f'"id": "g{newer_clip.pk}", "label": "{now_label}"' in player
    assert comparison.run.created_at.strftime("%Y") in player
