"""ComfyUI's own protocol details: workflow checks and filling, prompt ids, queue, GPU-time cost."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from benchmarks.providers.base import (
    Capabilities,
    JobStatus,
    PermanentProviderError,
    TransientProviderError,
)
from benchmarks.providers.comfyui.plugin import ComfyUI, frame_size
from benchmarks.providers.comfyui.workflow import WorkflowError, workflow_check, workflow_fill
from tests.benchmarks.providers.conftest import PNG_DATA_URI, selfhost_config
from tests.fakes.comfyui import WAN_WORKFLOW

T2V = Capabilities(seed=True, durations=(5,))


def _without(node_id: str, name: str) -> dict:
    workflow = copy.deepcopy(WAN_WORKFLOW)
    workflow[node_id]["inputs"][name] = "a fixed value"
    return workflow


@pytest.mark.parametrize(
    ("workflow", "capabilities", "words"),
    [
        (_without("6", "text"), T2V, "no {{prompt}} placeholder"),
        (_without("3", "seed"), T2V, "no {{seed}} placeholder: put it in the sampler's seed"),
        (WAN_WORKFLOW, Capabilities(image_to_video=True), "no {{image}} placeholder"),
        ({"nodes": [], "links": []}, T2V, "UI format"),
        ({}, T2V, "empty"),
        ({"3": {"inputs": {}}}, T2V, "Node 3 has no class_type"),
    ],
)
def test_a_workflow_that_cannot_work_is_refused_naming_what_is_missing(
    workflow, capabilities, words
):
    with pytest.raises(WorkflowError, match=words.replace("{", r"\{").replace("}", r"\}")):
        workflow_check(workflow, capabilities)


def test_a_link_to_a_missing_node_names_both_nodes():
    workflow = copy.deepcopy(WAN_WORKFLOW)
    del workflow["4"]
    with pytest.raises(WorkflowError) as caught:
        workflow_check(workflow, T2V)
    assert str(caught.value) == (
        "Node 8 (VAEDecode) input 'vae' links to node 4, which is not in the workflow."
    )


def test_a_misspelt_placeholder_is_named_with_its_node():
    workflow = copy.deepcopy(WAN_WORKFLOW)
    workflow["7"]["inputs"]["text"] = "{{negative}}"
    with pytest.raises(
        WorkflowError, match=r"Node 7 \(CLIPTextEncode\) input 'text'.*\{\{negative\}\}"
    ):
        workflow_check(workflow, T2V)


def test_a_workflow_without_a_video_output_node_is_refused():
    workflow = {k: v for k, v in WAN_WORKFLOW.items() if k != "9"}
    with pytest.raises(WorkflowError, match="no node that saves a video"):
        workflow_check(workflow, T2V)


def test_filling_keeps_numbers_numbers_and_fills_text_inside_strings():
    workflow = copy.deepcopy(WAN_WORKFLOW)
    workflow["9"]["inputs"]["filename_prefix"] = "video/{{seed}}-clip"
    values = {"prompt": "A kite", "negative_prompt": "", "seed": 42, "width": 1280,
              "height": 720, "frames": 80, "fps": 16}  # fmt: skip

    filled = workflow_fill(workflow, values)

    assert filled["3"]["inputs"]["seed"] == 42
    assert filled["5"]["inputs"] == {"width": 1280, "height": 720, "length": 80, "batch_size": 1}
    assert filled["6"]["inputs"]["text"] == "A kite"
    assert filled["9"]["inputs"]["filename_prefix"] == "video/42-clip"
    assert WAN_WORKFLOW["6"]["inputs"]["text"] == "{{prompt}}"  # the stored workflow is untouched


def test_frame_sizes_follow_resolution_and_aspect_ratio_in_multiples_of_16():
    assert frame_size("720p", "16:9") == (1280, 720)
    assert frame_size("720p", "9:16") == (720, 1280)
    assert frame_size("480p", "1:1") == (480, 480)


def test_the_prompt_id_is_our_reference_so_an_interrupted_submit_can_be_found(provider_fake):
    h = provider_fake("comfyui", "comfyui")
    request = h.request(seed=7)

    submitted = h.plugin.submit(request)

    assert submitted.job_id == request.reference
    sent = h.fake.jobs[request.reference].body
    assert sent["prompt"]["6"]["inputs"]["text"] == request.prompt
    assert sent["prompt"]["5"]["inputs"]["length"] == 5 * 16  # duration × the row's fps
    assert sent["prompt"]["3"]["inputs"]["seed"] == 7
    assert h.plugin.find_job(request.reference) == request.reference
    assert h.plugin.find_job("00000000-0000-0000-0000-000000000000") is None


def test_queue_state_reads_pending_then_running(provider_fake):
    h = provider_fake("comfyui", "comfyui", steps=3)
    job_id = h.plugin.submit(h.request()).job_id

    assert h.plugin.poll(job_id).status == JobStatus.PENDING
    assert h.plugin.poll(job_id).status == JobStatus.RUNNING


def test_an_input_image_is_uploaded_and_its_name_filled_in(provider_fake):
    h = provider_fake("comfyui", "comfyui")
    workflow = copy.deepcopy(WAN_WORKFLOW)
    workflow["11"] = {"class_type": "LoadImage", "inputs": {"image": "{{image}}"}}
    caps = Capabilities(image_to_video=True, durations=(5,))
    plugin = ComfyUI(selfhost_config(h.fake, workflow=workflow, capabilities=caps))

    job_id = plugin.submit(h.request(image_url=PNG_DATA_URI)).job_id

    assert h.fake.jobs[job_id].body["prompt"]["11"]["inputs"]["image"] == "upload_1.png"


def test_a_refused_workflow_names_the_node_comfyui_complained_about(provider_fake):
    h = provider_fake("comfyui", "comfyui")
    workflow = copy.deepcopy(WAN_WORKFLOW)
    workflow["7"]["inputs"]["text"] = "{{ seed }} {{prompt}} {{unknown_to_comfy}}"
    plugin = ComfyUI(selfhost_config(h.fake, workflow=workflow))
    body = {"prompt": workflow, "prompt_id": "x"}  # bypass our own check: ComfyUI's answer
    with pytest.raises(PermanentProviderError) as caught:
        plugin.submit_call("POST", "/prompt", json=body)
    assert "Node 6 (CLIPTextEncode)" in caught.value.message
    assert "Prompt outputs failed validation" in caught.value.message


def test_the_cost_is_wall_time_at_the_server_on_every_gpu_of_the_endpoint(provider_fake):
    h = provider_fake("comfyui", "comfyui")
    h.fake.execution_ms = 90_000
    h.plugin = ComfyUI(selfhost_config(h.fake, gpu_hour_price=Decimal("2.00"), gpu_count=2))
    done = h.poll_until_done(h.plugin.submit(h.request()).job_id)

    assert done.status == JobStatus.SUCCEEDED
    assert done.gpu_seconds == 180.0  # 90 s × 2 GPUs: ComfyUI reports no GPU time
    assert done.gpu_time_source == "wall"
    assert done.actual_cost == Decimal("0.1000")  # 180 / 3600 h × $2


def test_an_out_of_memory_failure_may_pass_on_a_new_attempt(provider_fake):
    h = provider_fake("comfyui", "comfyui")
    h.fake.inject("job_failed_internal", on="job")
    done = h.poll_until_done(h.plugin.submit(h.request()).job_id)

    assert done.status == JobStatus.FAILED
    assert "node 3 (KSampler)" in done.error
    assert "out of memory" in done.error
    assert done.error_permanent is False
    assert done.actual_cost is not None  # the GPU time was used all the same


def test_a_server_that_goes_away_is_transient_and_one_that_lost_the_job_says_so(provider_fake):
    h = provider_fake("comfyui", "comfyui", steps=5)
    job_id = h.plugin.submit(h.request()).job_id
    h.plugin.poll(job_id)
    h.fake.stop()

    with pytest.raises(TransientProviderError):
        h.plugin.poll(job_id)

    h.fake.restart()  # back, without the queue and history it kept in memory
    lost = h.plugin.poll(job_id)
    assert lost.status == JobStatus.FAILED
    assert "no longer knows prompt" in lost.error
    assert lost.error_permanent is False


def test_cancel_removes_a_queued_prompt(provider_fake):
    h = provider_fake("comfyui", "comfyui", steps=5)
    job_id = h.plugin.submit(h.request()).job_id

    h.plugin.cancel(job_id)

    assert h.poll_until_done(job_id).status == JobStatus.CANCELED


def _with_settings_inputs() -> dict:
    """WAN_WORKFLOW with inputs for sound, camera move and camera text (a custom node's)."""
    workflow = copy.deepcopy(WAN_WORKFLOW)
    workflow["20"] = {
        "class_type": "CameraControl",
        "inputs": {"move": "{{camera}}", "text": "{{camera_text}}", "sound": "{{audio}}"},
    }
    return workflow


@pytest.mark.parametrize(
    ("capabilities", "words"),
    [
        (Capabilities(audio=True), "no {{audio}} placeholder"),
        (Capabilities(camera_moves=("pan_left",)), "no {{camera}} placeholder"),
        (Capabilities(camera_text=True), "no {{camera_text}} placeholder"),
    ],
)
def test_a_setting_the_capabilities_promise_needs_its_placeholder(capabilities, words):
    with pytest.raises(WorkflowError, match=words.replace("{", r"\{").replace("}", r"\}")):
        workflow_check(WAN_WORKFLOW, capabilities)


def test_end_frame_audio_camera_and_seed_fill_their_placeholders(provider_fake):
    caps = Capabilities(
        image_to_video=True,
        end_frame=True,
        audio=True,
        camera_moves=("pan_left", "zoom_in"),
        camera_text=True,
        seed=True,
    )
    workflow = _with_settings_inputs()
    workflow["21"] = {"class_type": "LoadImage", "inputs": {"image": "{{image}}"}}
    workflow["22"] = {"class_type": "LoadImage", "inputs": {"image": "{{end_image}}"}}
    h = provider_fake("comfyui", "comfyui")
    h.plugin = ComfyUI(selfhost_config(h.fake, workflow=workflow, capabilities=caps))
    request = h.request(
        image_url=PNG_DATA_URI,
        end_image_url=PNG_DATA_URI,
        audio=False,
        camera="pan_left",
        camera_text="slow crane up",
        seed=42,
    )

    h.plugin.validate(request)
    inputs = h.fake.jobs[h.plugin.submit(request).job_id].body["prompt"]

    assert inputs["20"]["inputs"] == {"move": "pan_left", "text": "slow crane up", "sound": False}
    assert inputs["3"]["inputs"]["seed"] == 42
    # Both frames were uploaded, each under the name the server gave it.
    assert [inputs["21"]["inputs"]["image"], inputs["22"]["inputs"]["image"]] == [
        "upload_1.png",
        "upload_2.png",
    ]


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ({"end_image_url": PNG_DATA_URI}, "end frame"),
        ({"audio": True}, "audio on"),
        ({"camera": "orbit"}, "camera move 'orbit'"),
        ({"camera_text": "crane"}, "camera text"),
    ],
)
def test_a_setting_the_row_does_not_promise_is_refused_by_name(provider_fake, setting, words):
    h = provider_fake("comfyui", "comfyui")

    with pytest.raises(PermanentProviderError, match=words):
        h.plugin.validate(h.request(**setting))


def test_a_prompt_accepted_without_an_id_is_an_unknown_outcome_found_by_our_reference(
    provider_fake,
):
    from benchmarks.providers.base import OutcomeUnknownError

    h = provider_fake("comfyui", "comfyui")
    request = h.request()
    h.fake.inject("cut_off", on="submit")  # queued, then the answer is cut off

    with pytest.raises(OutcomeUnknownError):
        h.plugin.submit(request)

    assert h.plugin.find_job(request.reference) == request.reference


def test_a_status_comfyui_does_not_document_is_an_unknown_job(provider_fake):
    from benchmarks.providers.base import JobUnknownError

    h = provider_fake("comfyui", "comfyui")

    with pytest.raises(JobUnknownError, match="unknown status 'paused'"):
        h.plugin.history_status("p1", {"status": {"status_str": "paused"}, "outputs": {}})
