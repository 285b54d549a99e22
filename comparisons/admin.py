from django.contrib import admin

from comparisons.models import Comparison


@admin.register(Comparison)
class ComparisonAdmin(admin.ModelAdmin):
    list_display = ["title", "prompt", "published", "featured", "published_at"]
    list_filter = ["published", "featured"]
    list_select_related = ["prompt"]
    search_fields = ["title", "slug", "prompt__title"]
    raw_id_fields = ["prompt", "run", "generations"]
    prepopulated_fields = {"slug": ["title"]}
