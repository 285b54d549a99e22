"""schemathesis drives every operation of /api/openapi.json through the WSGI app with valid and
invalid data: no 5xx, invalid data refused, answers that match the document."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from api.models import ApiToken
from config.wsgi import application
from tests.factories import UserFactory, VideoModelFactory

#: Bounded so the run takes seconds: 40 generated requests per operation.
MAX_EXAMPLES = 40

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
# Valid requests and invalid ones (wrong types, missing fields, out-of-range values) alike.
schema.config.generation.update(modes=list(GenerationMode))


@pytest.fixture
def bearer(db):
    """Return the headers of a valid token; keep the test transaction's connection open."""
    VideoModelFactory(slug="local-smooth")
    VideoModelFactory(slug="runway-gen4-5", synthetic=False)
    _, raw = ApiToken.issue(user=UserFactory(), name="schemathesis")
    # Like Django's test Client: the WSGI handler would close the connection (and with it the
    # test transaction) after each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"Authorization": f"Bearer {raw}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_matches_its_schema_and_never_errors(case, bearer):
    response = case.call(headers=bearer)

    case.validate_response(
        response,
        checks=[
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.status_code_conformance,
            schemathesis.checks.content_type_conformance,
            schemathesis.checks.response_schema_conformance,
            schemathesis.checks.negative_data_rejection,
        ],
    )
