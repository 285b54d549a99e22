"""The clip card says whether a clip has sound, how loud, and flags one asked with sound that
came back silent."""

import pytest

from benchmarks.models import QualityReport
from comparisons.services import comparison_publish
from media_pipeline.metrics import ALGORITHM_VERSION
from tests.comparisons.conftest import add_clip
from tests.factories import RunFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


def card(html: str, generation) -> str:
    return html.split(f'id="clip-{generation.pk}"')[1].split("</article>")[0]


def test_a_clip_with_sound_gets_the_badge_and_a_silent_one_asked_with_sound_is_flagged(client):
    run = RunFactory(audio="on", state="complete")
    loud = add_clip(run, VideoModelFactory(slug="loud"))
    quiet = add_clip(run, VideoModelFactory(slug="quiet"))
    mute = add_clip(run, VideoModelFactory(slug="mute"))
    QualityReport.objects.filter(generation=loud).update(
        loudness_lufs=-23.0, silence_fraction=0.0, algorithm_version=ALGORITHM_VERSION
    )
    QualityReport.objects.filter(generation=quiet).update(
        loudness_lufs=-70.0, silence_fraction=1.0, algorithm_version=ALGORITHM_VERSION
    )
    QualityReport.objects.filter(generation=mute).update(algorithm_version=ALGORITHM_VERSION)
    html = client.get(comparison_publish(run=run).get_absolute_url()).content.decode()

    assert "with sound</span> -23.0" in card(html, loud)
    assert "came back silent" not in card(html, loud)
    assert "came back silent" in card(html, quiet)
    assert "no audio track" in card(html, mute)
    assert "came back silent" in card(html, mute)


def test_a_silent_clip_nobody_asked_sound_of_is_not_flagged(client):
    run = RunFactory(audio="off", state="complete")
    quiet = add_clip(run, VideoModelFactory(slug="quiet"))
    QualityReport.objects.filter(generation=quiet).update(
        loudness_lufs=-70.0, silence_fraction=1.0, algorithm_version=ALGORITHM_VERSION
    )
    html = client.get(comparison_publish(run=run).get_absolute_url()).content.decode()
    assert "came back silent" not in card(html, quiet)
