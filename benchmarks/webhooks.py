"""Incoming provider webhooks: verify, record the delivery once, and poll the job at once.

Whether the callback is signed or not, the job's state is read back from the provider's API by
the regular poll step, so an unsigned or stale callback can never move a generation by itself.
What a signed payload reports is kept in the generation's event log, as evidence.
"""

import logging

from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from benchmarks.models import Generation, WebhookDelivery
from benchmarks.providers.base import ProviderError, WebhookRejected
from benchmarks.providers.registry import PLUGINS, get_plugin

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def provider_webhook(request, plugin_key: str):
    if plugin_key not in PLUGINS:
        return HttpResponse("Unknown plugin.", status=404)
    plugin = get_plugin(plugin_key)
    answer = plugin.webhook_challenge(request.body)
    if answer is not None:  # a handshake, not an event (MiniMax)
        return JsonResponse(answer)
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        event = plugin.parse_webhook(headers, request.body)
    except WebhookRejected as exc:
        logger.warning("Rejected %s webhook: %s", plugin_key, exc)
        return HttpResponse(str(exc), status=401)
    except ProviderError as exc:  # signed, but a body we can't read
        return HttpResponseBadRequest(exc.message)
    generation = Generation.objects.filter(
        video_model__plugin_key=plugin_key, provider_job_id=event.job_id
    ).first()
    if generation is None:
        return HttpResponseBadRequest("No generation has this job id.")
    if event.trusted and event.delivery_id:
        try:
            with transaction.atomic():
                WebhookDelivery.objects.create(
                    plugin_key=plugin_key, delivery_id=event.delivery_id, job_id=event.job_id
                )
        except IntegrityError:
            return HttpResponse("Replayed delivery.", status=409)
    if event.trusted and event.poll:
        # Evidence only: what the signed payload said, beside what the poll then reads.
        reported = event.poll
        generation.log(
            f"Signed webhook: the provider reports {reported.status}",
            actor=f"webhook:{plugin_key}",
            status=reported.status,
            error=reported.error,
            output_url=reported.output_url,
        )
    from benchmarks.tasks import step_queue

    step_queue("poll", generation_id=generation.pk, run_id=generation.run_id)
    return HttpResponse(status=204)
