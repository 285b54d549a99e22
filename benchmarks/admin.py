"""Staff tools: curate prompts, start runs, watch them, retry failures, publish comparisons.

Admin actions never call a provider inline: they start runs whose steps are Celery tasks.
"""

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from benchmarks.forms import BenchmarkModelsForm, ClipImportForm
from benchmarks.models import (
    BenchmarkRun,
    Generation,
    GenerationEvent,
    Price,
    Prompt,
    PromptPattern,
    PromptSuite,
    Provider,
    QualityReport,
    SelfHostedEndpoint,
    Tag,
    VideoAsset,
    VideoModel,
)
from benchmarks.providers.registry import plugin_for
from benchmarks.services.imports import ImportRefused, clip_import
from benchmarks.services.requests import RunSettings
from benchmarks.services.runs import (
    RunRefused,
    generations_resubmit,
    generations_tag_unusable,
    run_retry_failed,
    run_start,
)
from benchmarks.services.suites import suite_run, suite_schedule_sync
from comparisons.services import comparison_publish
from media_pipeline.errors import InvalidMedia


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "website"]
    search_fields = ["name", "slug"]


class PriceInline(admin.TabularInline):
    model = Price
    extra = 0


class PromptPatternInline(admin.StackedInline):
    model = PromptPattern
    extra = 0
    fields = ["category", "what_works", "what_fails", "example_prompt", "published"]


@admin.register(SelfHostedEndpoint)
class SelfHostedEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "base_url", "gpu_count", "gpu_hour_price", "monthly_fixed_cost"]
    search_fields = ["name", "base_url"]


@admin.register(VideoModel)
class VideoModelAdmin(admin.ModelAdmin):
    list_display = ["display_name", "provider", "plugin_key", "lifecycle", "available", "synthetic"]
    list_filter = ["provider", "lifecycle", "synthetic"]
    list_select_related = ["provider", "endpoint"]
    search_fields = ["display_name", "slug", "model_id"]
    inlines = [PriceInline, PromptPatternInline]

    @admin.display(boolean=True, description="API key or endpoint set")
    def available(self, obj):
        """Show whether the plugin can call its API; a missing key is not an error."""
        try:
            return plugin_for(obj).is_configured()
        except KeyError:
            return False


@admin.register(PromptPattern)
class PromptPatternAdmin(admin.ModelAdmin):
    list_display = ["video_model", "category", "published", "updated_at"]
    list_filter = ["category", "published", "video_model"]
    list_select_related = ["video_model"]
    search_fields = ["video_model__display_name", "what_works", "what_fails", "example_prompt"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "duration", "aspect_ratio", "published", "created_at"]
    list_filter = ["category", "tags", "published", "aspect_ratio"]
    search_fields = ["title", "slug", "text", "tags__name"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["tags"]
    actions = ["benchmark_prompts"]

    @admin.action(description="Benchmark selected prompts…")
    def benchmark_prompts(self, request, queryset):
        """Ask which models, then start one run per prompt."""
        form = BenchmarkModelsForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            given = form.settings_given()
            for prompt in queryset:
                try:
                    run = run_start(
                        prompt=prompt,
                        models=form.cleaned_data["models"],
                        requested_by=request.user,
                        settings=RunSettings.of(prompt, **given),
                    )
                except RunRefused as exc:
                    self.message_user(request, f"{prompt}: {exc}", messages.ERROR)
                    continue
                url = reverse("admin:benchmarks_benchmarkrun_change", args=[run.pk])
                self.message_user(
                    request, format_html('Started <a href="{}">{}</a>.', url, run), messages.SUCCESS
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Benchmark prompts",
            "prompts": queryset,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/benchmarks/benchmark_prompts.html", context)


@admin.register(PromptSuite)
class PromptSuiteAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "schedule", "schedule_enabled"]
    list_select_related = ["schedule"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["prompts", "video_models"]
    actions = ["run_now"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        suite_schedule_sync(form.instance)

    @admin.action(description="Run selected suites now")
    def run_now(self, request, queryset):
        started = sum(len(suite_run(suite)) for suite in queryset)
        self.message_user(request, f"Started {started} run(s).", messages.SUCCESS)


class GenerationInline(admin.TabularInline):
    model = Generation
    extra = 0
    can_delete = False
    show_change_link = True
    fields = [
        "video_model",
        "state",
        "progress",
        "provider_time_s",
        "estimated_cost",
        "actual_cost",
        "attempts",
        "error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="at provider")
    def provider_time_s(self, obj):
        return f"{obj.provider_time.total_seconds():.1f} s" if obj.provider_time else "—"

    @admin.display(description="error")
    def error(self, obj):
        return f"{obj.get_error_kind_display()}: {obj.error_message}" if obj.error_kind else ""


def _cancel_at_provider(model_admin, request, generations):
    """Cancel every in-flight generation of `generations` (the two admins' shared action)."""
    from benchmarks.services.pipeline import CANCELABLE, generation_cancel

    actor = request.user.get_username()
    in_flight = generations.filter(state__in=CANCELABLE).select_related("video_model")
    count = sum(generation_cancel(generation=g, actor=actor) for g in in_flight)
    model_admin.message_user(request, f"Canceled {count} generation(s) at the provider.")


@admin.register(BenchmarkRun)
class BenchmarkRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state", "trigger", "clips", "failures", "created_at", "finished_at"]
    list_filter = ["state", "trigger"]
    search_fields = ["prompt__title", "idempotency_key"]
    list_select_related = ["prompt"]
    raw_id_fields = ["prompt", "suite", "requested_by"]
    readonly_fields = ["idempotency_key", "created_at", "finished_at", "state"]
    inlines = [GenerationInline]
    actions = ["retry_failed", "publish_comparison", "cancel_at_provider"]
    change_list_template = "admin/benchmarks/benchmarkrun/change_list.html"
    change_form_template = "admin/benchmarks/benchmarkrun/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_clip_view)
        progress = self.admin_site.admin_view(self.progress_view)
        return [
            path("import-clip/", view, name="benchmarks_benchmarkrun_import_clip"),
            path("<int:run_id>/progress/", progress, name="benchmarks_benchmarkrun_progress"),
            *super().get_urls(),
        ]

    @admin.action(
        description="Cancel at the provider: every in-flight generation", permissions=["change"]
    )
    def cancel_at_provider(self, request, queryset):
        _cancel_at_provider(self, request, Generation.objects.filter(run__in=queryset))

    def get_readonly_fields(self, request, obj=None):
        """A finished run is a record: every field is read-only."""
        if obj is not None and obj.state != BenchmarkRun.State.RUNNING:
            return [field.name for field in obj._meta.fields]
        return self.readonly_fields

    def progress_view(self, request, run_id):
        """JSON the run's change page polls (static/benchmarks/run_progress.js)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(BenchmarkRun, pk=run_id)
        generations = run.generations.select_related("video_model").order_by("video_model__slug")
        return JsonResponse(
            {
                "state": run.state,
                "generations": [
                    {"id": g.pk, "model": g.video_model.slug, "state": g.state} for g in generations
                ],
            }
        )

    def import_clip_view(self, request):
        """Upload a clip made elsewhere; it goes through the same media steps."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ClipImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                generation = _import_upload(request, form.cleaned_data)
            except InvalidMedia as exc:
                form.add_error("clip", str(exc))
            except ImportRefused as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(
                    request, f"Imported as {generation}; transcoding.", messages.SUCCESS
                )
                return redirect("admin:benchmarks_benchmarkrun_change", generation.run_id)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a clip",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/benchmarks/import_clip.html", context)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_complete=Count("generations", filter=Q(generations__state="complete")),
                n_failed=Count("generations", filter=Q(generations__state="failed")),
            )
        )

    @admin.display(description="clips", ordering="n_complete")
    def clips(self, obj):
        return obj.n_complete

    @admin.display(description="failed", ordering="n_failed")
    def failures(self, obj):
        return obj.n_failed

    @admin.action(description="Retry failed generations")
    def retry_failed(self, request, queryset):
        total = 0
        for run in queryset:
            try:
                total += run_retry_failed(run, actor=request.user.get_username())
            except RunRefused as exc:
                self.message_user(request, f"{run}: {exc}", messages.WARNING)
        self.message_user(request, f"Queued {total} new attempt(s).", messages.SUCCESS)

    @admin.action(description="Publish comparison")
    def publish_comparison(self, request, queryset):
        for run in queryset:
            try:
                comparison = comparison_publish(run=run)
            except RunRefused as exc:
                self.message_user(request, str(exc), messages.WARNING)
                continue
            self.message_user(
                request,
                format_html(
                    'Published <a href="{}">{}</a>.', comparison.get_absolute_url(), comparison
                ),
                messages.SUCCESS,
            )


def _import_upload(request, data):
    """Write the upload to scratch space, import it, and remove the scratch copy."""
    upload = data["clip"]
    work = Path(settings.WORK_DIR)
    work.mkdir(parents=True, exist_ok=True)
    suffix = Path(upload.name).suffix.lower() or ".mp4"
    with tempfile.NamedTemporaryFile(dir=work, suffix=suffix) as scratch:
        for chunk in upload.chunks():
            scratch.write(chunk)
        scratch.flush()
        return clip_import(
            path=Path(scratch.name),
            model=data["video_model"],
            prompt=data["prompt"],
            cost=data["cost"],
            requested_by=request.user,
            comparison=data["comparison"],
            settings=data["settings"],
        )


class GenerationEventInline(admin.TabularInline):
    model = GenerationEvent
    extra = 0
    can_delete = False
    fields = ["at", "from_state", "to_state", "actor", "reason", "details"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class VideoAssetInline(admin.TabularInline):
    model = VideoAsset
    extra = 0
    can_delete = False
    fields = ["tier", "link", "width", "height", "fps", "duration", "codec", "size_bytes"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="file")
    def link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.url, obj.key)


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "sample",
        "state",
        "waiting",
        "tagged_unusable",
        "error_kind",
        "attempts",
        "estimated_cost",
        "actual_cost",
    ]
    list_filter = ["state", "tagged_unusable", "error_kind", "outcome_unknown", "video_model"]
    list_select_related = ["video_model", "run"]
    search_fields = ["provider_job_id", "reference"]
    raw_id_fields = ["run", "video_model"]
    readonly_fields = ["waiting"] + [
        f.name for f in Generation._meta.fields if f.name not in ("id",)
    ]
    inlines = [VideoAssetInline, GenerationEventInline]
    actions = ["resubmit", "give_up", "tag_unusable", "tag_usable", "cancel_at_provider"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="provider")
    def waiting(self, obj):
        """'waiting for the provider until 14:05' while a Retry-After runs."""
        return obj.waiting_for_provider or "—"

    @admin.action(description="Tag unusable: the clip doesn't count as a usable sample")
    def tag_unusable(self, request, queryset):
        count = generations_tag_unusable(
            generations=queryset, unusable=True, actor=request.user.get_username()
        )
        self.message_user(request, f"Tagged {count} clip(s) unusable.")

    @admin.action(description="Tag usable again")
    def tag_usable(self, request, queryset):
        count = generations_tag_unusable(
            generations=queryset, unusable=False, actor=request.user.get_username()
        )
        self.message_user(request, f"Tagged {count} clip(s) usable again.")

    @admin.action(description="Resubmit (needs review): start a new attempt")
    def resubmit(self, request, queryset):
        try:
            count = generations_resubmit(generations=queryset, actor=request.user.get_username())
        except RunRefused as exc:
            self.message_user(request, str(exc), messages.WARNING)
            return
        self.message_user(request, f"Resubmitted {count} generation(s).")

    @admin.action(description="Give up (needs review): mark failed")
    def give_up(self, request, queryset):
        from benchmarks.services.pipeline import generation_fail

        count = 0
        for generation in queryset.filter(state=Generation.State.NEEDS_REVIEW):
            generation_fail(
                generation,
                kind=Generation.ErrorKind.CANCELED,
                message="Staff gave up after an interrupted submit.",
                actor=request.user.get_username(),
            )
            count += 1
        self.message_user(request, f"Gave up on {count} generation(s).")

    @admin.action(
        description="Cancel at the provider (in flight): mark failed", permissions=["change"]
    )
    def cancel_at_provider(self, request, queryset):
        _cancel_at_provider(self, request, queryset)


@admin.register(QualityReport)
class QualityReportAdmin(admin.ModelAdmin):
    list_display = [
        "generation",
        "algorithm_version",
        "mean_coherence",
        "flicker_score",
        "motion_mean",
    ]
    list_select_related = ["generation__video_model"]
    raw_id_fields = ["generation"]
    exclude = ["series"]
