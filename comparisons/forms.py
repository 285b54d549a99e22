"""The break-even calculator's form: every number optional, measured data fills the blanks."""

from decimal import Decimal

from django import forms

from benchmarks.models import VideoModel
from comparisons import breakeven


class BreakEvenForm(forms.Form):
    clip_seconds = forms.IntegerField(
        label="Clip length (s)", min_value=1, max_value=120, required=False
    )
    monthly_volume = forms.IntegerField(
        label="Usable clips a month", min_value=0, max_value=10_000_000, required=False
    )
    api_model = forms.ModelChoiceField(
        VideoModel.objects.none(), label="API model", required=False, empty_label="— my numbers —"
    )
    api_cost_per_clip = forms.DecimalField(
        label="API $ per clip", min_value=Decimal(0), decimal_places=4, required=False
    )
    api_usable_rate = forms.DecimalField(
        label="API usable %", min_value=Decimal("0.1"), max_value=100, required=False
    )
    selfhost_model = forms.ModelChoiceField(
        VideoModel.objects.none(),
        label="Self-hosted model",
        required=False,
        empty_label="— my numbers —",
    )
    gpu_hour_price = forms.DecimalField(
        label="$ per GPU-hour", min_value=Decimal(0), decimal_places=6, required=False
    )
    gpus = forms.IntegerField(label="GPUs per job", min_value=1, max_value=1024, required=False)
    minutes_per_clip = forms.DecimalField(
        label="Minutes per clip", min_value=Decimal("0.01"), decimal_places=2, required=False
    )
    selfhost_usable_rate = forms.DecimalField(
        label="Self-hosted usable %", min_value=Decimal("0.1"), max_value=100, required=False
    )
    fixed_monthly = forms.DecimalField(
        label="Fixed $ a month", min_value=Decimal(0), decimal_places=2, required=False
    )
    billing = forms.ChoiceField(
        label="GPUs billed",
        choices=[
            (breakeven.RESERVED, "reserved (always on, 730 h/month)"),
            (breakeven.ON_DEMAND, "on demand (GPU-hours used)"),
        ],
        required=False,
    )
    peak_per_hour = forms.DecimalField(
        label="Peak clips per hour", min_value=Decimal(0), decimal_places=2, required=False
    )
    queue_depth = forms.IntegerField(
        label="Queue depth rule", min_value=1, max_value=1000, required=False
    )

    def __init__(self, *args, api_models, selfhosted_models, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["api_model"].queryset = api_models
        self.fields["selfhost_model"].queryset = selfhosted_models
