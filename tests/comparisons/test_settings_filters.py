"""The leaderboard filters clips by the settings they were made with: sound, end frame, camera."""

import pytest
from django.urls import reverse

from comparisons.filters import ClipFilter
from comparisons.stats import leaderboard
from tests.comparisons.conftest import add_clip, published_run
from tests.factories import VideoModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def runs():
    """One model with a published clip per kind of run: with sound, silent, end frame, camera
    move."""
    model = VideoModelFactory(slug="kling")
    made = {
        "sound": published_run(audio="on"),
        "silent": published_run(audio="off"),
        "end": published_run(end_image="prompt-images/last.png"),
        "orbit": published_run(camera_motion="orbit"),
        "preset": published_run(camera_text="down_back"),
    }
    for run in made.values():
        add_clip(run, model)
    return made


@pytest.mark.parametrize(
    ("query", "clips"),
    [
        ({"audio": "on"}, 1),
        ({"audio": "off"}, 1),
        ({"end_frame": "with"}, 1),
        ({"end_frame": "without"}, 4),
        ({"camera": "move"}, 2),
        ({"camera": "orbit"}, 1),
        ({"camera": "none"}, 3),
        ({"camera": "sideways"}, 5),  # not a value: ignored
    ],
)
def test_each_settings_filter_counts_the_clips_made_that_way(runs, query, clips):
    (row,) = leaderboard(ClipFilter.from_query(query))
    assert row.clips == clips


def test_the_leaderboard_page_offers_the_settings_filters(client, runs):
    html = client.get(reverse("comparisons:leaderboard") + "?audio=on").content.decode()
    assert '<option value="on" selected>With audio</option>' in html
    assert 'name="end_frame"' in html
    assert '<option value="move">Camera move</option>' in html
