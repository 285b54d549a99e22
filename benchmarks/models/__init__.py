from benchmarks.models.catalog import Price, Provider, SelfHostedEndpoint, VideoModel
from benchmarks.models.outputs import QualityReport, VideoAsset
from benchmarks.models.prompts import Prompt, PromptPattern, PromptSuite, Tag
from benchmarks.models.runs import BenchmarkRun, Generation, GenerationEvent, WebhookDelivery

__all__ = [
    "BenchmarkRun",
    "Generation",
    "GenerationEvent",
    "Price",
    "Prompt",
    "PromptPattern",
    "PromptSuite",
    "Provider",
    "QualityReport",
    "SelfHostedEndpoint",
    "Tag",
    "VideoAsset",
    "VideoModel",
    "WebhookDelivery",
]
