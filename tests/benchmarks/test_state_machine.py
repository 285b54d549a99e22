import pytest

from benchmarks.models import Generation, GenerationEvent
from benchmarks.models.runs import InvalidTransition
from tests.factories import GenerationFactory

pytestmark = pytest.mark.django_db
State = Generation.State


def test_a_transition_sets_its_timestamp_and_logs_an_event():
    generation = GenerationFactory()

    assert generation.transition(State.SUBMITTING, reason="go")

    generation.refresh_from_db()
    assert generation.state == State.SUBMITTING
    assert generation.submitting_at is not None
    event = GenerationEvent.objects.get(generation=generation)
    assert (event.from_state, event.to_state, event.reason) == ("queued", "submitting", "go")


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (State.QUEUED, State.COMPLETE),
        (State.QUEUED, State.DOWNLOADING),
        (State.SUBMITTED, State.SCORING),
        (State.COMPLETE, State.QUEUED),
        (State.COMPLETE, State.FAILED),
        (State.TRANSCODING, State.SUBMITTED),
    ],
)
def test_a_refused_transition_raises_and_changes_nothing(source, target):
    generation = GenerationFactory(state=source)

    with pytest.raises(InvalidTransition):
        generation.transition(target)

    generation.refresh_from_db()
    assert generation.state == source
    assert not generation.events.exists()


def test_the_whole_happy_path_is_allowed():
    generation = GenerationFactory()
    path = [
        State.SUBMITTING, State.SUBMITTED, State.GENERATING, State.DOWNLOADING,
        State.TRANSCODING, State.SCORING, State.COMPLETE,
    ]  # fmt: skip
    for state in path:
        assert generation.transition(state)
    generation.refresh_from_db()
    assert generation.state == State.COMPLETE
    assert generation.events.count() == len(path)
    assert generation.completed_at >= generation.submitted_at


def test_a_stale_copy_cannot_claim_a_transition_twice():
    generation = GenerationFactory()
    stale = Generation.objects.get(pk=generation.pk)

    assert generation.transition(State.SUBMITTING)
    assert not stale.transition(State.SUBMITTING)

    assert GenerationEvent.objects.filter(generation=generation).count() == 1


def test_the_database_refuses_an_unknown_state():
    from django.db import IntegrityError

    generation = GenerationFactory()
    with pytest.raises(IntegrityError):
        Generation.objects.filter(pk=generation.pk).update(state="exploded")


def test_the_database_refuses_a_negative_cost():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        GenerationFactory(estimated_cost=-1)
