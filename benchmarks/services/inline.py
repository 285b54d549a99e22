"""Run generations through the pipeline in this process, without a worker.

For `seed_demo` on a fresh machine, before any worker is up. The steps are the same service
functions the Celery tasks call; only the scheduling differs (a timer heap instead of a broker).
"""

import heapq
import time

from benchmarks.services import pipeline

STEP_FUNCTIONS = {
    "submit": pipeline.generation_submit,
    "poll": pipeline.generation_poll,
    "download": pipeline.generation_download,
    "transcode": pipeline.generation_transcode,
    "score": pipeline.generation_score,
}


def drive_inline(steps: dict[int, str], *, on_step=None) -> None:
    """Run each generation from its first step until nothing is left to do.

    `steps` maps generation id → the step to start with. Polls of different generations
    interleave, so simulated provider waits overlap as they would with a worker.
    """
    now = time.monotonic()
    queue = [(now, pk, step) for pk, step in steps.items()]
    heapq.heapify(queue)
    while queue:
        due, pk, step = heapq.heappop(queue)
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        following = STEP_FUNCTIONS[step](pk)
        if on_step:
            on_step(pk, step)
        if following.step:
            heapq.heappush(queue, (time.monotonic() + following.countdown, pk, following.step))
