"""Import a clip into an existing comparison, next to the clips the site generated, with the
settings the person used, instead of a one-clip run of its own."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from benchmarks.models import BenchmarkRun, Generation, VideoModel
from benchmarks.services.catalog import catalog_sync
from comparisons.services import comparison_publish
from tests.clips import make_clip
from tests.comparisons.conftest import add_clip
from tests.factories import RunFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def comparison():
    catalog_sync()
    # A model without an API, added by staff under its real name (plugin `manual`) to import into.
    VideoModelFactory(
        slug="studio-x", display_name="Studio X", plugin_key="manual", synthetic=False
    )
    run = RunFactory(state="complete")
    add_clip(run, VideoModelFactory(slug="local-smooth"))
    return comparison_publish(run=run)


def test_an_import_joins_the_comparisons_run_with_its_settings(
    comparison, tmp_path, client, django_capture_on_commit_callbacks
):
    clip = make_clip(tmp_path / "elsewhere.mp4", seconds=2)
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_clip", str(clip), "--model=studio-x", f"--comparison={comparison.slug}",
            '--clip-settings={"seed": 7, "audio": true, "camera": "orbit"}',
        )  # fmt: skip

    imported = Generation.objects.get(video_model__slug="studio-x")
    assert imported.run_id == comparison.run_id
    assert BenchmarkRun.objects.count() == 1  # no one-clip run of its own
    assert imported.state == Generation.State.COMPLETE
    assert imported.seed == 7
    assert imported.request_sent["settings"] == {"seed": 7, "audio": True, "camera": "orbit"}
    assert comparison.generations.filter(pk=imported.pk).exists()
    page = client.get(comparison.get_absolute_url()).content.decode()
    assert f'id="clip-{imported.pk}"' in page
    assert "&quot;camera&quot;: &quot;orbit&quot;" in page


def test_a_second_clip_of_a_model_already_there_becomes_its_next_sample(comparison, tmp_path):
    clip = make_clip(tmp_path / "take-2.mp4", seconds=1)
    call_command(
        "import_clip", str(clip), "--model=local-smooth", f"--comparison={comparison.slug}",
        "--queue",
    )  # fmt: skip

    imported = Generation.objects.get(video_model__slug="local-smooth", sample=1)
    assert imported.run_id == comparison.run_id
    assert BenchmarkRun.objects.get(pk=comparison.run_id).samples == 2


def test_unknown_settings_and_unknown_comparisons_are_refused_in_words(comparison, tmp_path):
    clip = make_clip(tmp_path / "x.mp4", seconds=1)
    with pytest.raises(CommandError, match="Unknown settings: colour"):
        call_command(
            "import_clip", str(clip), "--model=studio-x", f"--comparison={comparison.slug}",
            '--clip-settings={"colour": "red"}',
        )  # fmt: skip
    with pytest.raises(CommandError, match="No comparison with slug 'nope'"):
        call_command("import_clip", str(clip), "--model=studio-x", "--comparison=nope")
    with pytest.raises(CommandError, match="Name the prompt"):
        call_command("import_clip", str(clip), "--model=studio-x")
    assert not Generation.objects.filter(video_model=VideoModel.objects.get(slug="studio-x"))


def test_staff_upload_a_clip_into_a_comparison_in_the_admin(comparison, tmp_path, admin_client):
    clip = make_clip(tmp_path / "upload.mp4", seconds=1)
    manual = VideoModel.objects.get(slug="studio-x")
    with clip.open("rb") as upload:
        response = admin_client.post(
            reverse("admin:benchmarks_benchmarkrun_import_clip"),
            {
                "clip": upload,
                "video_model": manual.pk,
                "comparison": comparison.pk,
                "settings": '{"seed": 11, "end_frame": true}',
            },
        )

    assert response.status_code == 302
    imported = Generation.objects.get(video_model=manual)
    assert imported.run_id == comparison.run_id
    assert imported.request_sent["settings"] == {"seed": 11, "end_frame": True}
    assert imported.request_sent["comparison"] == comparison.slug
