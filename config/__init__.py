import os

# One BLAS thread per process (before numpy loads): the web and worker processes already use
# every core, and OpenBLAS's own threads then wait on each other. The ratings refit at 1 M votes
# took 8.2 s with them and 2.4 s without on this 2-core machine (docs/arena.md).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from config.celery_app import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
