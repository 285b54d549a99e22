"""tests/perf/bench_scale.py at a tenth of its smallest size: its fill makes a site whose every
measured page answers, whose staff test runs stay out of sight."""

import pytest
from django.db import connection

from api.models import ApiToken
from benchmarks.models import BenchmarkRun, Generation, Prompt
from tests.factories import UserFactory
from tests.perf import bench_scale

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the fill truncates and bypasses triggers
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the fill is PostgreSQL's SQL"),
]


def test_the_scale_fill_makes_a_site_every_measured_page_serves(client):
    counts = bench_scale.fill(bench_scale.sizes_of(1, 0.001))
    runs = counts["prompts"] + counts["prompts"] // 10
    assert counts["generations"] == runs * counts["per_run"]
    # The tenth more runs are staff test runs: never public.
    public_runs = set(Generation.objects.public().values_list("run_id", flat=True))
    assert public_runs == set(range(1, counts["prompts"] + 1))

    user = UserFactory(is_staff=True)
    _, raw = ApiToken.issue(user=user, name="bench")
    prompt = Prompt.objects.order_by("pk")[Prompt.objects.count() // 2]
    run = BenchmarkRun.objects.order_by("pk")[counts["prompts"] // 2]
    for name, (url, api) in bench_scale.PAGES.items():
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if api else {}
        response = client.get(url.format(p=prompt.pk, run=run.pk), **headers)
        assert response.status_code == 200, name


def test_a_model_pages_clips_are_read_without_hashing_every_published_clip():
    # Under an OR, PostgreSQL hashed every published comparison's clips for the public rule's
    # second half as soon as one clip of the model was a staff test run's: 100 ms at 100x.
    bench_scale.fill(bench_scale.sizes_of(1, 0.001))
    clips = Generation.objects.public().completed().of_model(7).newest_first()[:24]
    sql, params = clips.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "hashed SubPlan" not in plan, plan
