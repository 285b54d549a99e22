import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

application = get_wsgi_application()

# Load every view now, then take everything loaded out of the garbage collector's sight. Its full
# collections walked these 170,000 long-lived objects every few requests: pauses of 140-190 ms
# that were the p95 of the busiest pages at a year's data, 20-40 ms once frozen
# (tests/perf/bench_scale.py). Forked workers (gunicorn --preload) also share more memory.
import_module(settings.ROOT_URLCONF)
gc.freeze()
# A request's model instances point at each other (a run and its prefetched generations), so
# they die as cyclic garbage, found only by a collection of the generation they reached. With
# the middle generation collected every 50 young collections instead of 10, most of it is freed
# there, a few ms at a time, instead of promoted to the oldest, whose full collections paused
# the API's run list 30-80 ms every few requests (p95 104 -> 60 ms at 100x, p50 unchanged).
gc.set_threshold(700, 50, 10)
