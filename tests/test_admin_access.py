import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "admin:index",
    "admin:benchmarks_prompt_changelist",
    "admin:benchmarks_benchmarkrun_changelist",
    "admin:benchmarks_generation_changelist",
    "admin:benchmarks_videomodel_changelist",
    "admin:comparisons_comparison_changelist",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_users_who_are_not_staff_cannot_reach_the_admin(client, name):
    client.force_login(UserFactory(is_staff=False))
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_staff_reach_every_admin_page(client, name):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse(name)).status_code == 200
