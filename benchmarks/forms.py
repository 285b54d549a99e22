from django import forms

from benchmarks.models import Prompt, VideoModel
from benchmarks.models.prompts import CAMERA_CHOICES, MAX_SAMPLES, AudioSetting


class BenchmarkModelsForm(forms.Form):
    """Which models to run the selected prompts on (the admin action's second step)."""

    models = forms.ModelMultipleChoiceField(
        queryset=VideoModel.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Retired models, and models whose provider has no API key set, can't be "
        "chosen; past clips stay on the site.",
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # API keys are settings read now, not when the module was imported.
        self.fields["models"].queryset = VideoModel.objects.runnable().with_provider()


class ClipImportForm(forms.Form):
    """Upload a clip made elsewhere (a model without an API) as a generation."""

    clip = forms.FileField(help_text="An MP4, MOV or WebM file as the model produced it.")
    video_model = forms.ModelChoiceField(queryset=VideoModel.objects.with_provider(), label="Model")
    prompt = forms.ModelChoiceField(queryset=Prompt.objects.all(), required=False)
    cost = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=4,
        label="Cost (USD)",
        help_text="What the clip cost, if you know it. Left empty, its cost shows as unknown.",
    )
    comparison = forms.ModelChoiceField(
        queryset=None,
        required=False,
        help_text="Add the clip to this comparison, next to its clips (its prompt is used).",
    )
    settings = forms.JSONField(
        required=False,
        help_text='How the clip was made, e.g. {"seed": 7, "audio": true, "camera": "orbit"}.',
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from comparisons.models import Comparison

        self.fields["comparison"].queryset = Comparison.objects.filter(
            run__isnull=False
        ).select_related("run", "prompt")

    def clean(self):
        data = super().clean()
        if not data.get("prompt") and not data.get("comparison"):
            raise forms.ValidationError("Choose the prompt or the comparison the clip belongs to.")
        return data
