from django import forms

from benchmarks.models import Prompt, VideoModel
from benchmarks.models.prompts import CAMERA_CHOICES, MAX_SAMPLES, AudioSetting


class BenchmarkModelsForm(forms.Form):
    """Which models to run the selected prompts on (the admin action's second step)."""

    models = forms.ModelMultipleChoiceField(
        queryset=VideoModel.objects.usable().with_provider(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Retired models can't be chosen; their past clips stay on the site.",
    )
    samples = forms.IntegerField(
        min_value=1,
        max_value=MAX_SAMPLES,
        initial=1,
        help_text="Clips per model, each with its own seed; every one is paid for.",
    )
    audio = forms.ChoiceField(
        choices=[("", "each prompt's setting"), *AudioSetting.choices[1:]], required=False
    )
    camera = forms.ChoiceField(
        choices=[("", "each prompt's setting"), *CAMERA_CHOICES[1:]], required=False
    )
    seed = forms.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False, help_text="Empty: each prompt's."
    )

    def settings_given(self) -> dict:
        """Return the settings the form overrides, for `RunSettings.of` (None: not given)."""
        data = self.cleaned_data
        return {
            "samples": data["samples"],
            "audio": data["audio"] or None,
            "camera": data["camera"] or None,
            "seed": data["seed"],
        }


class ClipImportForm(forms.Form):
    """Upload a clip made elsewhere (a model without an API) as a generation."""

    clip = forms.FileField(help_text="An MP4, MOV or WebM file as the model produced it.")
    video_model = forms.ModelChoiceField(queryset=VideoModel.objects.with_provider(), label="Model")
    prompt = forms.ModelChoiceField(queryset=Prompt.objects.all())
    cost = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=4,
        label="Cost (USD)",
        help_text="What the clip cost, if you know it. Left empty, its cost shows as unknown.",
    )
