from django import forms

from benchmarks.models import VideoModel


class BenchmarkModelsForm(forms.Form):
    """Which models to run the selected prompts on (the admin action's second step)."""

    models = forms.ModelMultipleChoiceField(
        queryset=VideoModel.objects.usable().with_provider(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Retired models can't be chosen; their past clips stay on the site.",
    )
