"""Management commands staff and scripts use: import_clip, rescore, run_benchmark, sync_catalog."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from benchmarks.models import BenchmarkRun, Generation, QualityReport, VideoModel
from benchmarks.providers.registry import PLUGINS, plugin_class
from benchmarks.services.catalog import catalog_sync
from tests.clips import make_clip
from tests.factories import PromptFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    catalog_sync()
    return VideoModel.objects.get(slug="manual")


def test_import_clip_runs_a_clip_through_the_media_steps(catalog, tmp_path, capsys):
    prompt = PromptFactory()
    clip = make_clip(tmp_path / "made-elsewhere.mp4", kind="smooth", seconds=2)

    call_command("import_clip", str(clip), model="manual", prompt=prompt.slug)

    generation = Generation.objects.get(run__prompt=prompt)
    assert generation.state == Generation.State.COMPLETE
    assert set(generation.assets.values_list("tier", flat=True)) == {
        "original", "standard", "preview", "poster"
    }  # fmt: skip
    assert generation.run.trigger == BenchmarkRun.Trigger.IMPORT
    assert QualityReport.objects.filter(generation=generation).exists()


def test_importing_the_same_clip_twice_makes_one_generation(catalog, tmp_path):
    prompt = PromptFactory()
    clip = make_clip(tmp_path / "again.mp4", kind="smooth", seconds=1)

    call_command("import_clip", str(clip), model="manual", prompt=prompt.slug)
    call_command("import_clip", str(clip), model="manual", prompt=prompt.slug)

    assert Generation.objects.filter(run__prompt=prompt).count() == 1


def test_a_file_that_is_not_a_video_is_refused_in_one_line_and_nothing_is_kept(
    catalog, tmp_path, settings
):
    prompt = PromptFactory()
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is a text file, not a video\n")

    with pytest.raises(CommandError) as excinfo:
        call_command("import_clip", str(fake), model="manual", prompt=prompt.slug)

    assert "\n" not in str(excinfo.value)
    assert not Generation.objects.exists()
    assert not any(p.is_file() for p in settings.ORIGINALS_ROOT.rglob("*"))


def test_rescore_recomputes_only_old_reports(catalog, tmp_path, capsys):
    prompt = PromptFactory()
    clip = make_clip(tmp_path / "c.mp4", kind="smooth", seconds=1)
    call_command("import_clip", str(clip), model="manual", prompt=prompt.slug)
    QualityReport.objects.update(algorithm_version="0-old", mean_coherence=0.123)

    call_command("rescore")

    report = QualityReport.objects.get()
    assert report.algorithm_version != "0-old"
    assert report.mean_coherence != 0.123
    assert "Rescored 1 of 1" in capsys.readouterr().out


def test_run_benchmark_refuses_an_unknown_model(catalog):
    prompt = PromptFactory()
    with pytest.raises(CommandError, match="Unknown model"):
        call_command("run_benchmark", prompt=prompt.slug, models="local-smooth,nope")


def test_sync_catalog_adds_every_registered_model_and_can_run_again():
    out = StringIO()
    call_command("sync_catalog", stdout=out)
    call_command("sync_catalog", stdout=out)

    # Self-hosted plugins serve rows staff make, one per model on their endpoint.
    api_models = {key for key in PLUGINS if not plugin_class(key).self_hosted}
    assert set(VideoModel.objects.values_list("slug", flat=True)) == api_models
    assert f"{len(api_models)} model(s) in step with the registry." in out.getvalue()
