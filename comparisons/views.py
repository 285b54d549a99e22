"""Public pages. Reads go through QuerySet methods; each page runs a fixed number of queries."""

from django.db.models import Prefetch
from django.shortcuts import render
from django.views.generic import DetailView, ListView

from comparisons.clips import clips_for, generations_with_outputs
from comparisons.models import Comparison


class SiteMixin:
    """Shared by every public page: the section the navigation highlights."""

    section = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


def _with_clips(queryset):
    return queryset.prefetch_related(
        Prefetch("generations", queryset=generations_with_outputs())
    )


class HomeView(SiteMixin, ListView):
    template_name = "comparisons/home.html"
    context_object_name = "comparisons"
    section = "home"
    paginate_by = 24

    def get_queryset(self):
        return _with_clips(Comparison.objects.published().latest_first())


class ComparisonDetailView(SiteMixin, DetailView):
    template_name = "comparisons/detail.html"
    context_object_name = "comparison"
    section = "comparisons"

    def get_queryset(self):
        return _with_clips(Comparison.objects.published().latest_first())

    def get_context_data(self, **kwargs):
        clips = clips_for(self.object.generations.all())
        return super().get_context_data(
            clips=clips,
            player_clips=[clip.player_data() for clip in clips],
            synthetic=any(clip.model.synthetic for clip in clips),
            **kwargs,
        )


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


