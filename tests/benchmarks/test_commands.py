"""Management commands staff and scripts use: import_clip, rescore, run_benchmark, sync_catalog."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from benchmarks.models import BenchmarkRun, Generation, QualityReport, VideoAsset, VideoModel
from benchmarks.providers.registry import PLUGINS, plugin_class
from benchmarks.services import costs
from benchmarks.services.catalog import catalog_sync
from tests.clips import make_clip
from tests.factories import PriceFactory, PromptFactory, VideoModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    catalog_sync()
    # A model without an API, added by staff under its real name, and its clips imported.
    return VideoModelFactory(
        slug="studio-x", display_name="Studio X", plugin_key="manual", synthetic=False
    )


def test_import_clip_runs_a_clip_through_the_media_steps(catalog, tmp_path, capsys):
    prompt = PromptFactory()
    clip = make_clip(tmp_path / "made-elsewhere.mp4", kind="smooth", seconds=2)

    call_command("import_clip", str(clip), model="studio-x", prompt=prompt.slug)

    generation = Generation.objects.get(run__prompt=prompt)
    assert generation.state == Generation.State.COMPLETE
    assert set(generation.assets.values_list("tier", flat=True)) == {
        "original", "standard", "preview", "poster"
    }  # fmt: skip
    assert generation.run.trigger == BenchmarkRun.Trigger.IMPORT
    assert QualityReport.objects.filter(generation=generation).exists()
    # The audio track is probed and stored on every video file (the arena pools by it).
    assert dict(generation.assets.values_list("tier", "has_audio")) == {
        "original": True, "standard": True, "preview": True, "poster": None,
    }  # fmt: skip


def test_probe_audio_fills_in_files_stored_before_it_was_probed(catalog, tmp_path):
    prompt = PromptFactory()
    call_command("import_clip", str(make_clip(tmp_path / "a.mp4", audio=False)),
                 model="studio-x", prompt=prompt.slug)  # fmt: skip
    assets = VideoAsset.objects.filter(generation__run__prompt=prompt)
    assets.update(has_audio=None)
    out = StringIO()
    call_command("probe_audio", stdout=out)
    assert "Probed 3 video file(s): 0 with audio" in out.getvalue()
    assert set(assets.exclude(tier="poster").values_list("has_audio", flat=True)) == {False}


def test_importing_the_same_clip_twice_makes_one_generation(catalog, tmp_path):
    prompt = PromptFactory()
    clip = make_clip(tmp_path / "again.mp4", kind="smooth", seconds=1)

    call_command("import_clip", str(clip), model="studio-x", prompt=prompt.slug)
    call_command("import_clip", str(clip), model="studio-x", prompt=prompt.slug)

    assert Generation.objects.filter(run__prompt=prompt).count() == 1


def test_a_file_that_is_not_a_video_is_refused_in_one_line_and_nothing_is_kept(
    catalog, tmp_path, settings
):
    prompt = PromptFactory()
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is a text file, not a video\n")

    with pytest.raises(CommandError) as excinfo:
        call_command("import_clip", str(fake), model="studio-x", prompt=prompt.slug)

    assert "\n" not in str(excinfo.value)
    assert not Generation.objects.exists()
    assert not any(p.is_file() for p in settings.ORIGINALS_ROOT.rglob("*"))


def test_rescore_recomputes_only_old_reports(catalog, tmp_path, capsys):
    prompt = PromptFactory()
    clip = make_clip(tmp_path / "c.mp4", kind="smooth", seconds=1)
    call_command("import_clip", str(clip), model="studio-x", prompt=prompt.slug)
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

    # Every plugin is a model, except `manual` (no "Imported clip" pseudo-model) and the
    # self-hosted ones, which serve rows staff make, one per model on their endpoint.
    models = {key for key in PLUGINS if plugin_class(key).catalogued}
    assert not {"manual", "comfyui", "openai-compatible"} & models
    assert set(VideoModel.objects.values_list("slug", flat=True)) == models
    assert f"{len(models)} model(s) in step with the registry." in out.getvalue()


def test_an_imported_clip_counts_for_the_real_model_and_its_entered_cost(catalog, tmp_path):
    prompt = PromptFactory()
    clip = make_clip(tmp_path / "paid.mp4", kind="smooth", seconds=1)
    call_command("import_clip", str(clip), model="studio-x", prompt=prompt.slug, cost="0.75")
    generation = Generation.objects.get(run__prompt=prompt)
    assert generation.video_model == catalog
    assert generation.actual_cost == Decimal("0.75")
    assert costs.spend_this_month() == Decimal("0.75")


def test_an_imported_clip_without_a_cost_has_an_unknown_cost_and_adds_no_spend(catalog, tmp_path):
    prompt = PromptFactory()
    clip = make_clip(tmp_path / "free.mp4", kind="smooth", seconds=1)
    call_command("import_clip", str(clip), model="studio-x", prompt=prompt.slug)
    generation = Generation.objects.get(run__prompt=prompt)
    assert generation.cost is None
    assert costs.spend_this_month() == 0


def test_import_clip_refuses_a_negative_cost(catalog, tmp_path):
    clip = make_clip(tmp_path / "neg.mp4", kind="smooth", seconds=1)
    with pytest.raises(CommandError, match="not an amount"):
        call_command("import_clip", str(clip), model="studio-x", prompt="p", cost="-1")


def test_sync_catalog_keeps_what_staff_edited():
    catalog_sync()
    model = VideoModel.objects.get(slug="runway-gen4-5")
    model.lifecycle = VideoModel.Lifecycle.RETIRED
    model.staff_notes = "Retired by staff: moved to gen-5."
    model.display_name = "Gen-4.5 (old)"
    model.save()
    staff_price = PriceFactory(video_model=model, amount="0.99", resolution="1080p")

    call_command("sync_catalog", stdout=StringIO())

    model.refresh_from_db()
    assert model.lifecycle == VideoModel.Lifecycle.RETIRED
    assert model.staff_notes == "Retired by staff: moved to gen-5."
    assert model.display_name == "Gen-4.5 (old)"
    assert model.prices.filter(pk=staff_price.pk, amount=Decimal("0.99")).exists()


def test_run_benchmark_wait_writes_one_line_per_change_when_not_on_a_terminal(catalog, monkeypatch):
    from benchmarks.management.commands import run_benchmark

    prompt = PromptFactory(duration=5)
    states = iter([None, "submitted", None, None, "complete"])

    def next_poll(seconds):
        state = next(states)
        if state:
            Generation.objects.update(state=state)
        if state == "complete":
            BenchmarkRun.objects.update(state=BenchmarkRun.State.COMPLETE)

    monkeypatch.setattr(run_benchmark.time, "sleep", next_poll)
    out = StringIO()

    call_command("run_benchmark", prompt=prompt.slug, models="local-smooth", wait=True, stdout=out)

    lines = out.getvalue().splitlines()
    run = BenchmarkRun.objects.get()
    assert lines[0] == f"Run #{run.pk} started (1 models)."
    assert [line.split()[-1] for line in lines[1:-1]] == ["queued", "submitted", "complete"]
    assert lines[-1] == f"Run #{run.pk} complete."


def test_run_benchmark_refuses_a_model_without_an_api_key_and_queues_nothing(catalog, settings):
    settings.RUNWAY_API_KEY = ""
    with pytest.raises(CommandError, match=r"Runway has no API key \(set RUNWAY_API_KEY\)"):
        call_command("run_benchmark", prompt=PromptFactory().slug, models="runway-gen4-5")
    assert not Generation.objects.exists()
