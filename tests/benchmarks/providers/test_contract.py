"""The contract every real provider plugin keeps, run against each provider's fake server."""

from __future__ import annotations

import io

import pytest

from benchmarks.providers.base import JobStatus, PermanentProviderError, TransientProviderError
from tests.benchmarks.providers.conftest import CANCEL_CALLS
from tests.fakes.server import BAD_REQUEST_REASON, FAILURE_REASON, RETRY_AFTER, clip_bytes


def test_a_job_runs_from_submit_to_downloaded_clip(harness):
    submitted = harness.plugin.submit(harness.request())
    assert submitted.job_id
    assert submitted.request_sent
    first = harness.plugin.poll(submitted.job_id)
    assert first.status in (JobStatus.PENDING, JobStatus.RUNNING)
    done = harness.poll_until_done(submitted.job_id)
    assert done.status == JobStatus.SUCCEEDED
    out = io.BytesIO()
    assert harness.plugin.download(done, out) == len(clip_bytes())
    assert out.getvalue() == clip_bytes()
    assert harness.fake.submissions == 1


@pytest.mark.parametrize("fault", ["server_error", "rate_limited", "malformed"])
def test_a_transient_submit_error_is_retryable_and_a_retry_succeeds(harness, fault):
    harness.fake.inject(fault, on="submit")
    with pytest.raises(TransientProviderError) as caught:
        harness.plugin.submit(harness.request())
    if fault == "rate_limited":
        assert caught.value.retry_after == RETRY_AFTER
    job_id = harness.plugin.submit(harness.request()).job_id
    assert harness.poll_until_done(job_id).status == JobStatus.SUCCEEDED


@pytest.mark.parametrize("fault", ["server_error", "rate_limited", "malformed"])
def test_a_transient_poll_error_is_retryable(harness, fault):
    job_id = harness.plugin.submit(harness.request()).job_id
    harness.fake.inject(fault, on="poll")
    with pytest.raises(TransientProviderError):
        harness.plugin.poll(job_id)
    assert harness.poll_until_done(job_id).status == JobStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("fault", "words"),
    [("bad_request", BAD_REQUEST_REASON), ("unauthorized", "key"), ("no_credit", "credit")],
)
def test_a_permanent_submit_error_carries_the_providers_reason(harness, fault, words):
    harness.fake.inject(fault, on="submit")
    with pytest.raises(PermanentProviderError) as caught:
        harness.plugin.submit(harness.request())
    assert words.lower() in caught.value.message.lower()


def test_a_wrong_api_key_is_a_permanent_error(harness, settings):
    harness.spoil_key(settings)
    with pytest.raises(PermanentProviderError):
        harness.plugin.submit(harness.request())
    assert harness.fake.submissions == 0


def test_a_failed_job_reports_the_providers_reason(harness):
    harness.fake.inject("job_failed", on="job")
    job_id = harness.plugin.submit(harness.request()).job_id
    done = harness.poll_until_done(job_id)
    assert done.status == JobStatus.FAILED
    assert FAILURE_REASON.split()[-1].rstrip(".") in done.error


@pytest.mark.usefixtures("short_timeouts")
def test_a_submit_that_times_out_is_an_unknown_outcome(harness):
    harness.fake.inject("hang", on="submit")
    with pytest.raises(TransientProviderError) as caught:
        harness.plugin.submit(harness.request())
    assert caught.value.code == "timeout"


@pytest.mark.usefixtures("short_timeouts")
def test_a_poll_that_times_out_is_transient(harness):
    job_id = harness.plugin.submit(harness.request()).job_id
    harness.fake.inject("hang", on="poll")
    with pytest.raises(TransientProviderError):
        harness.plugin.poll(job_id)


def test_success_without_a_usable_output_is_a_failure(harness):
    harness.fake.inject("no_output", on="job")
    job_id = harness.plugin.submit(harness.request()).job_id
    done = harness.poll_until_done(job_id)
    if done.status == JobStatus.SUCCEEDED:  # some APIs only reveal it at download
        with pytest.raises(PermanentProviderError):
            harness.plugin.download(done, io.BytesIO())
    else:
        assert done.status == JobStatus.FAILED
        assert done.error


def test_an_expired_output_url_is_a_permanent_download_error(harness):
    done = harness.poll_until_done(harness.plugin.submit(harness.request()).job_id)
    harness.fake.inject("expired", on="download")
    with pytest.raises(PermanentProviderError, match="expired"):
        harness.plugin.download(done, io.BytesIO())


def test_a_truncated_download_is_transient_and_a_retry_gets_the_whole_file(harness):
    done = harness.poll_until_done(harness.plugin.submit(harness.request()).job_id)
    harness.fake.inject("truncated", on="download")
    with pytest.raises(TransientProviderError):
        harness.plugin.download(done, io.BytesIO())
    out = io.BytesIO()
    harness.plugin.download(done, out)
    assert out.getvalue() == clip_bytes()


def test_a_finished_job_can_be_polled_again_before_its_download(harness):
    job_id = harness.plugin.submit(harness.request()).job_id
    harness.poll_until_done(job_id)
    again = harness.plugin.poll(job_id)  # the pipeline re-polls for a fresh signed URL
    assert again.status == JobStatus.SUCCEEDED
    assert harness.plugin.download(again, io.BytesIO()) == len(clip_bytes())


def test_cancel_sends_the_providers_cancel_call_and_stops_the_job(harness):
    job_id = harness.plugin.submit(harness.request()).job_id
    harness.plugin.poll(job_id)
    seen = len(harness.fake.requests)

    assert harness.plugin.cancel(job_id) is None

    sent = list(harness.fake.requests)[seen:]
    expected = [call.format(job=job_id) for call in CANCEL_CALLS[harness.slug]]
    assert [f"{r.method} {r.path}" for r in sent] == expected
    for request in sent:  # each call names the job, in its path or its body
        assert job_id in request.path or job_id in request.body.decode()
    job = harness.fake.jobs.get(job_id)
    if expected:  # canceled at the provider, or deleted there
        assert job is None or job.canceled
    else:  # a provider without cancel: nothing was asked, the job runs to its end
        assert harness.poll_until_done(job_id).status == JobStatus.SUCCEEDED


def test_cancelling_a_job_that_already_ended_never_raises(harness):
    job_id = harness.plugin.submit(harness.request()).job_id
    harness.poll_until_done(job_id)

    assert harness.plugin.cancel(job_id) is None
