"""Public pages. Reads are chainable methods of each model's manager
(`Comparison.objects.published().with_clips()`); each page runs a fixed number of queries, and
anonymous views are served from the page cache (comparisons.cache)."""

from dataclasses import replace
from operator import attrgetter
from urllib.parse import urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.generic import DetailView, ListView, TemplateView

from arena.models import FailureTag
from arena.services import disagreements, model_tag_rows
from benchmarks.models import BenchmarkRun, Generation, Prompt, PromptPattern, VideoModel
from comparisons import breakeven, charts, share
from comparisons.cache import CachedPageMixin
from comparisons.clips import (
    Clip,
    clips_for,
    mark_best,
    movements,
    sample_summaries,
    then_and_now,
)
from comparisons.filters import ClipFilter
from comparisons.forms import BreakEvenForm
from comparisons.models import Comparison
from comparisons.stats import (
    REFERENCE_SECONDS,
    SORTS,
    attach_ratings,
    attach_trends,
    coarsen_trends,
    leaderboard,
    parse_sort,
)

#: How many rows of the leaderboard the home page shows.
SNAPSHOT_ROWS = 5
#: Earlier runs of a prompt listed on its comparison page (newest first).
EARLIER_RUNS_SHOWN = 12


class SiteMixin(CachedPageMixin):
    """Shared by every public page: the section the navigation highlights, page caching, the
    canonical link, and what a shared link shows (`get_share`)."""

    section = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            section=self.section,
            canonical_url=share.absolute(self.request.path),
            share=self.get_share(),
            **kwargs,
        )

    def get_share(self) -> dict | None:
        """Return the page's OpenGraph / Twitter card (title, description, image), if it has one."""
        return None


class HomeView(SiteMixin, ListView):
    template_name = "comparisons/home.html"
    context_object_name = "comparisons"
    section = "home"
    paginate_by = 12

    def get_queryset(self):
        # The featured cards head the page; the latest list leaves them out.
        self.featured = list(
            Comparison.objects.published().featured().latest_first().with_clips()[:3]
        )
        return Comparison.objects.published().excluding(self.featured).latest_first().with_clips()

    def get_context_data(self, **kwargs):
        board = leaderboard(with_trend=False)
        return super().get_context_data(
            featured=self.featured,
            demo_preparing=not self.featured and BenchmarkRun.objects.demo_preparing().exists(),
            snapshot=board[:SNAPSHOT_ROWS],
            snapshot_total=len(board),
            **kwargs,
        )


class ComparisonDetailView(SiteMixin, DetailView):
    template_name = "comparisons/detail.html"
    context_object_name = "comparison"
    section = "home"

    def get_queryset(self):
        return Comparison.objects.published().latest_first().with_clips()

    def get_context_data(self, **kwargs):
        comparison = self.object
        samples = comparison.run.samples if comparison.run else 1
        sample = self._sample(samples)
        # Every model shows its sample k, so the player flips them all at once on ?sample=k.
        shown = mark_best(
            clips_for([g for g in comparison.generations.all() if g.sample == sample])
        )
        earlier = list(
            BenchmarkRun.objects.public()
            .finished()
            .of_prompt(comparison.prompt)
            .other_than(comparison.run_id)
            .with_counts()[:EARLIER_RUNS_SHOWN]
        )
        vs_run = self._vs_run(earlier)
        vs_clips, moves, player, this_is_then = [], [], shown, False
        if vs_run is not None:
            vs_sample = min(sample, vs_run.samples - 1)
            vs_clips = clips_for(
                Generation.objects.public()
                .of_run(vs_run.pk)
                .of_sample(vs_sample)
                .completed()
                .with_outputs()
            )
            # The older run is always "then", whichever of the two the page was opened on.
            this_run = comparison.run
            this_is_then = this_run is not None and this_run.created_at < vs_run.created_at
            then_run = this_run if this_is_then else vs_run
            then, now = (shown, vs_clips) if this_is_then else (vs_clips, shown)
            label = f"· {timezone.localtime(then_run.created_at):%-d %b %Y %H:%M}"
            moves = movements(now, [replace(clip, suffix=label) for clip in then])
            player = then_and_now(moves)
        keep = {"vs": vs_run.pk} if vs_run else {}
        if samples > 1:
            keep["sample"] = sample
        seek_prefix = f"?{urlencode(keep)}&t=" if keep else "?t="
        return super().get_context_data(
            clips=shown,
            first_usable=(
                comparison.run.time_to_first_usable(comparison.generations.all())
                if comparison.run
                else None
            ),
            sample=sample,
            sample_links=_sample_links(samples, sample, vs_run),
            sample_summaries=(
                sample_summaries(Generation.objects.of_run(comparison.run_id).with_samples())
                if samples > 1
                else []
            ),
            player_clips=[clip.player_data() for clip in player],
            synthetic=any(clip.model.synthetic for clip in [*shown, *vs_clips]),
            earlier_runs=earlier,
            vs_run=vs_run,
            vs_clips=vs_clips,
            this_is_then=this_is_then,
            movements=moves,
            seek_prefix=seek_prefix,
            **kwargs,
        )

    def get_share(self):
        comparison = self.object
        return {
            "title": comparison.title,
            "description": Truncator(comparison.prompt.text).words(40),
            "image": share.comparison_image(comparison),
            "oembed": share.absolute(
                reverse("comparisons:oembed")
                + "?"
                + urlencode({"url": share.absolute(comparison.get_absolute_url())})
            ),
        }

    def _sample(self, samples: int) -> int:
        """Return the sample `?sample=` picks (0-based), the first one if it names none."""
        raw = self.request.GET.get("sample", "")
        return int(raw) if raw.isascii() and raw.isdigit() and int(raw) < samples else 0

    def _vs_run(self, earlier):
        """Return the other run `?vs=` picks, if it is one of this prompt's public finished runs."""
        raw = self.request.GET.get("vs", "")
        return next((run for run in earlier if str(run.pk) == raw), None)


class LeaderboardView(SiteMixin, TemplateView):
    template_name = "comparisons/leaderboard.html"
    section = "leaderboard"
    #: A page's table and charts; a year of 300 models on one page took most of its time.
    rows_per_page = 50

    def get_context_data(self, **kwargs):
        clip_filter = ClipFilter.from_query(self.request.GET)
        raw_sort = self.request.GET.get("sort", "")
        sort, descending = parse_sort(raw_sort)
        # The filter form and the page links carry the sort along, if it is one of ours.
        sort_param = raw_sort if raw_sort.lstrip("-") in SORTS else ""
        board = leaderboard(clip_filter, sort=sort, descending=descending, with_trend=False)
        page = Paginator(board, self.rows_per_page).get_page(self.request.GET.get("page"))
        rows = list(page.object_list)
        attach_ratings(rows, clip_filter)
        query = clip_filter.as_query() | ({"sort": sort_param} if sort_param else {})
        return super().get_context_data(
            rows=rows,
            page_obj=page,
            page_query=urlencode(query) + ("&" if query else ""),
            clip_filter=clip_filter,
            filter_query=urlencode(clip_filter.as_query()),
            sort=sort,
            sort_param=sort_param,
            descending=descending,
            sort_links=_sort_links(clip_filter, sort, descending),
            filter_options=_filter_options(),
            reference_seconds=REFERENCE_SECONDS,
            **_charts(rows, clip_filter),
            **kwargs,
        )


def _sample_links(samples: int, current: int, vs_run) -> list[dict]:
    """Return the links that flip every model to sample k (none for a one-sample run)."""
    if samples < 2:
        return []
    keep = {"vs": vs_run.pk} if vs_run else {}
    return [
        {"number": k + 1, "href": "?" + urlencode({**keep, "sample": k}), "current": k == current}
        for k in range(samples)
    ]


def _sort_links(clip_filter: ClipFilter, sort: str, descending: bool) -> dict[str, dict]:
    """Return, per column, the link that sorts by it (flipping the direction if it is current)."""
    links = {}
    for key, (_, natural) in SORTS.items():
        current = key == sort
        # Clicking the current column flips it; another column starts at its best-first order.
        flip = current and descending == natural
        query = {**clip_filter.as_query(), "sort": f"-{key}" if flip else key}
        links[key] = {
            "href": "?" + urlencode(query),
            "current": current,
            "aria": ("descending" if descending else "ascending") if current else "none",
        }
    return links


def _filter_options() -> dict:
    return {
        "categories": Prompt.Category.choices,
        "modes": list(ClipFilter.MODES.items()),
        "aspects": Prompt.AspectRatio.choices,
        "durations": [4, 5, 6, 8, 10],
        "audio": list(ClipFilter.AUDIO.items()),
        "end_frame": list(ClipFilter.END_FRAME.items()),
        "camera": list(ClipFilter.CAMERA.items()),
    }


#: Every leaderboard chart plots mean coherence upwards.
_COHERENCE_AXIS = {"y_label": "Mean coherence", "y_format": lambda v: f"{v:.2f}", "y_cap": 1.0}
#: The trend chart draws the table's first models, a colour each, with at most TREND_POINTS
#: points a line: more would be a tangle nobody reads (and grew the page with its data).
TREND_MODELS = charts.SERIES_COLOURS
TREND_POINTS = 60


def _charts(rows, clip_filter: ClipFilter) -> dict:
    """Return the leaderboard's SVG charts for `rows` (one colour per model, as in the table)."""
    query = urlencode(clip_filter.as_query())
    for index, row in enumerate(rows):
        row.colour = charts.colour_for(index)
    trended = rows[:TREND_MODELS]
    days, span = attach_trends(trended, clip_filter, points=TREND_POINTS)
    return {
        **_trend_chart(trended, query, days=days, span=span),
        "trend_models": len(trended) < len(rows) and len(trended),
        "chart_cost": charts.scatter(
            _chart_points(rows, _real_cost, query),
            title="Cost against quality",
            x_label="Real cost per usable clip (USD)",
            x_format=lambda v: f"${v:.2f}",
            better="↖ cheaper and steadier",
            **_COHERENCE_AXIS,
        ),
        "chart_time": charts.scatter(
            _chart_points(rows, attrgetter("median_time"), query),
            title="Generation time against quality",
            x_label="Median generation time (s)",
            x_format=lambda v: f"{v:g} s",
            better="↖ faster and steadier",
            **_COHERENCE_AXIS,
        ),
    }


def _trend_chart(rows, query: str, *, days: int, span: int) -> dict:
    """Return the trend chart of `rows`, their trends coarsened to `span` days a point over
    `days` benchmark days (stats.coarsen_trends)."""
    chart = charts.trend(
        [_chart_series(row, query) for row in rows],
        title="Coherence across re-benchmarks",
        days=span,
        **_COHERENCE_AXIS,
    )
    return {"chart_trend": chart, "trend_days": days, "trend_span": span}


def _chart_name(row) -> str:
    computed = " (self-hosted, computed)" if row.model.is_self_hosted else ""
    if row.mostly_frozen:
        return row.model.display_name + computed + " (frozen)"
    return row.model.display_name + computed + (" (flickers)" if row.mostly_flickering else "")


def _chart_href(row, query: str) -> str:
    """Return the model page's URL with the leaderboard's filter, so a click keeps it."""
    return row.model.get_absolute_url() + (f"?{query}" if query else "")


def _real_cost(row) -> float | None:
    return None if row.real_cost_per_clip is None else float(row.real_cost_per_clip)


def _chart_points(rows, x_of, query: str) -> list[charts.Point]:
    """Return a point per row with a coherence and an `x_of(row)`; unsteady ones hollow."""
    points = []
    for row in rows:
        x = x_of(row)
        if row.coherence is not None and x is not None:
            name, href = _chart_name(row), _chart_href(row, query)
            points.append(
                charts.Point(x, row.coherence, name, href, row.colour, hollow=not row.steady)
            )
    return points


def _chart_series(row, query: str) -> charts.Series:
    trend = [(point.day, point.coherence) for point in row.trend]
    return charts.Series(_chart_name(row), trend, _chart_href(row, query), row.colour)


class ModelListView(SiteMixin, TemplateView):
    template_name = "comparisons/model_list.html"
    section = "models"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rows=leaderboard(sort="model", with_trend=False),
            reference_seconds=REFERENCE_SECONDS,
            **kwargs,
        )


class ModelDetailView(SiteMixin, DetailView):
    template_name = "comparisons/model_detail.html"
    context_object_name = "video_model"
    section = "models"
    clips_per_page = 24

    def get_queryset(self):
        return VideoModel.objects.benchmarked().with_provider().with_prices()

    def get_context_data(self, **kwargs):
        model = self.object
        clip_filter = ClipFilter.from_query(self.request.GET)
        stats = leaderboard(clip_filter, model=model)
        listed = Generation.objects.public().completed().of_model(model).matching(clip_filter)
        paginator = Paginator(
            listed.newest_first().with_outputs().with_comparisons(), self.clips_per_page
        )
        # The same clips its numbers count: no COUNT over them (13 ms at a year's data).
        paginator.count = stats[0].clips if stats else 0
        page = paginator.get_page(self.request.GET.get("page"))
        self.model_clips = clips_for_page(page)
        query = clip_filter.as_query()
        for row in stats:
            row.colour = charts.colour_for(0)
        days, span = coarsen_trends(list(stats), points=TREND_POINTS)
        return super().get_context_data(
            stats=stats[0] if stats else None,
            **_trend_chart(stats, urlencode(query), days=days, span=span),
            clip_filter=clip_filter,
            filter_options=_filter_options(),
            page_obj=page,
            model_clips=self.model_clips,
            page_query=urlencode(query) + ("&" if query else ""),
            capabilities=_capabilities(model.capabilities),
            patterns=PromptPattern.objects.published().of_model(model),
            reference_seconds=REFERENCE_SECONDS,
            tag_rows=model_tag_rows(model),
            kinds=FailureTag.Kind.choices,
            **kwargs,
        )

    def get_share(self):
        model = self.object
        # The newest clip on the page (the first page is the one people share).
        posters = [clip.poster_url for clip in self.model_clips if clip.poster_url]
        return {
            "title": f"{model.display_name} by {model.provider.name}",
            "description": (
                f"Clips, quality, speed and cost of {model.display_name}, "
                "measured side by side with other AI video models."
            ),
            "image": share.absolute(posters[0]) if posters else "",
        }


def clips_for_page(page):
    """Return the page's clips in the page's order (newest first)."""
    return [Clip(generation) for generation in page.object_list]


#: Capability flags and how the model page names them.
CAPABILITY_NAMES = {
    "text_to_video": "Text to video",
    "image_to_video": "Image to video",
    "end_frame": "End frame",
    "audio": "Audio",
    "camera_control": "Camera control",
    "seed": "Fixed seed",
    "negative_prompt": "Negative prompt",
}


def _capabilities(raw: dict) -> dict:
    """Return the capabilities as (yes/no flags, list-valued options) for the template."""
    raw = raw or {}
    flags = [(name, bool(raw.get(key))) for key, name in CAPABILITY_NAMES.items() if key in raw]
    flags += [
        (key.replace("_", " ").capitalize(), value)
        for key, value in raw.items()
        if key not in CAPABILITY_NAMES and isinstance(value, bool)
    ]
    options = [
        (key.replace("_", " ").capitalize(), ", ".join(str(v) for v in value))
        for key, value in raw.items()
        if isinstance(value, list | tuple)
    ]
    return {"flags": flags, "options": options}


class PromptListView(SiteMixin, ListView):
    template_name = "comparisons/prompt_list.html"
    context_object_name = "prompts"
    section = "prompts"
    paginate_by = 50

    def get_queryset(self):
        category = self.request.GET.get("category", "")
        category = category if category in Prompt.Category.values else ""
        return (
            Prompt.objects.published()
            .in_category(category)
            .with_tags()
            .with_counts()
            .alphabetical()
        )

    def get_context_data(self, **kwargs):
        category = self.request.GET.get("category", "")
        return super().get_context_data(
            categories=Prompt.Category.choices,
            category=category,
            category_query=f"{urlencode({'category': category})}&" if category else "",
            **kwargs,
        )


class PromptDetailView(SiteMixin, DetailView):
    template_name = "comparisons/prompt_detail.html"
    context_object_name = "prompt"
    section = "prompts"

    def get_queryset(self):
        return Prompt.objects.published().with_tags()

    def get_context_data(self, **kwargs):
        prompt = self.object
        prompt_runs = list(
            BenchmarkRun.objects.public().finished().of_prompt(prompt).with_counts()[:50]
        )
        self.prompt_comparisons = list(
            Comparison.objects.published().of_prompt(prompt).latest_first()[:50]
        )
        return super().get_context_data(
            runs=prompt_runs,
            comparisons=self.prompt_comparisons,
            rows=leaderboard(prompt=prompt, with_trend=False),
            disagreements=disagreements(prompt),
            patterns=PromptPattern.objects.published().for_category(prompt.category),
            **kwargs,
        )

    def get_share(self):
        prompt = self.object
        latest = self.prompt_comparisons[0] if self.prompt_comparisons else None
        return {
            "title": prompt.title,
            "description": Truncator(prompt.text).words(40),
            "image": share.latest_image(latest) if latest else "",
        }


class MethodologyView(SiteMixin, TemplateView):
    template_name = "comparisons/methodology.html"
    section = "methodology"

    def get_context_data(self, **kwargs):
        return super().get_context_data(reference_seconds=REFERENCE_SECONDS, **kwargs)


class BreakEvenView(SiteMixin, TemplateView):
    """API or self-hosting? Monthly costs, break-even volume and GPUs, from a GET form."""

    template_name = "comparisons/breakeven.html"
    section = "breakeven"

    def get_context_data(self, **kwargs):
        form = BreakEvenForm(
            self.request.GET or None,
            api_models=VideoModel.objects.api_models().order_by("display_name"),
            selfhosted_models=VideoModel.objects.self_hosted().order_by("display_name"),
        )
        data = form.cleaned_data if form.is_valid() else {}
        scenario, seconds, sources = breakeven.scenario_from(data)
        result = breakeven.outcome(scenario)
        seed = breakeven.outcome(breakeven.seed_002())
        return super().get_context_data(
            form=form,
            scenario=scenario,
            clip_seconds=seconds,
            sources=sources,
            result=result,
            chart=_breakeven_chart(result),
            seed=seed,
            seed_claim=breakeven.SEED_002_CLAIM,
            seed_api_needed=seed.selfhost_monthly / breakeven.SEED_002_CLAIM,
            **kwargs,
        )


def _breakeven_chart(result):
    """Return the SVG of monthly cost against volume, API and self-hosted, break-even marked."""
    api = [(v, float(a)) for v, a, _ in result.curve]
    own = [(v, float(s)) for v, _, s in result.curve]
    marker = (result.break_even, f"break-even {result.break_even:,}") if result.break_even else None
    return charts.lines(
        [
            charts.Line("API", api, charts.colour_for(0)),
            charts.Line("Self-hosted", own, charts.colour_for(1), dashed=True),
        ],
        title="Monthly cost against monthly volume",
        x_label="Usable clips a month",
        y_label="US dollars a month",
        x_format=lambda v: f"{v:,.0f}",
        y_format=lambda v: f"${v:,.0f}",
        marker=marker,
    )


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No context processors, no database: this page must render whatever broke.
    return HttpResponseServerError(loader.get_template("500.html").render())


#: The embed page's policy: the site's own, except that any page may frame it.
EMBED_CSP = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}
#: The embed's iframe size oEmbed answers with when the consumer sets no maximum.
EMBED_WIDTH, EMBED_HEIGHT = 960, 640


@method_decorator([xframe_options_exempt, csp_override(EMBED_CSP)], name="dispatch")
class ComparisonEmbedView(CachedPageMixin, DetailView):
    """Just the synced player of a published comparison (first sample), for other sites' frames.

    The rest of the site forbids framing (`frame-ancestors 'none'`, `X-Frame-Options: DENY`).
    """

    template_name = "comparisons/embed.html"
    context_object_name = "comparison"

    def get_queryset(self):
        return Comparison.objects.published().with_clips()

    def get_context_data(self, **kwargs):
        shown = clips_for([g for g in self.object.generations.all() if g.sample == 0])
        return super().get_context_data(
            player_clips=[clip.player_data() for clip in shown],
            canonical_url=share.absolute(self.object.get_absolute_url()),
            synthetic=any(clip.model.synthetic for clip in shown),
            **kwargs,
        )


def oembed(request):
    """Answer oEmbed (https://oembed.com) for a comparison page's URL: a "video" with an iframe."""
    url = request.GET.get("url", "")
    if request.GET.get("format", "json") != "json":
        return HttpResponse("Only the json format is served.", status=501)
    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(url)
    try:
        match = resolve(parts.path) if (parts.scheme, parts.netloc) == site[:2] else None
    except Resolver404:
        match = None
    if match is None or match.view_name not in ("comparisons:detail", "comparisons:embed"):
        raise Http404("Not a comparison page of this site.")
    comparison = get_object_or_404(Comparison.objects.published(), slug=match.kwargs["slug"])
    width, height = _embed_size(request.GET)
    src = share.absolute(reverse("comparisons:embed", kwargs={"slug": comparison.slug}))
    title = comparison.title
    return JsonResponse({
        "version": "1.0",
        "type": "video",
        "title": title,
        "provider_name": "Lockstep",
        "provider_url": settings.SITE_URL + "/",
        "width": width,
        "height": height,
        "html": format_html(
            '<iframe src="{}" width="{}" height="{}" title="{}" frameborder="0" '
            'allow="fullscreen; clipboard-write" loading="lazy"></iframe>',
            src, width, height, title,
        ),
        "thumbnail_url": share.latest_image(comparison) or None,
    })  # fmt: skip


def _embed_size(query) -> tuple[int, int]:
    """Return the iframe's size: the default, scaled down to fit maxwidth / maxheight."""
    scale = 1.0
    for key, size in (("maxwidth", EMBED_WIDTH), ("maxheight", EMBED_HEIGHT)):
        raw = query.get(key, "")
        if raw.isascii() and raw.isdigit() and 0 < int(raw) < size:
            scale = min(scale, int(raw) / size)
    return int(EMBED_WIDTH * scale), int(EMBED_HEIGHT * scale)


def robots_txt(request):
    """Let crawlers see the public pages, not the admin, the API or the arena's votes."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /ops/",
        "Disallow: /arena/vote",
        "Disallow: /arena/media/",
        "Disallow: /arena/pair.json",
        "Disallow: /embed/",
        f"Sitemap: {share.absolute(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
