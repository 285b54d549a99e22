"""Generation settings, provider by provider: the exact body each plugin sends for each setting,
and the refusal, before anything is sent, of what a model can't do (naming setting and model)."""

from __future__ import annotations

import pytest

from benchmarks.providers.base import GenerationRequest, PermanentProviderError
from benchmarks.providers.kling.plugin import camera_control
from benchmarks.providers.registry import get_plugin
from tests.benchmarks.providers.conftest import PNG_DATA_URI

FIRST = "https://img.example/first.png"
LAST = "https://img.example/last.png"
PROMPT = "A lighthouse in a storm"


def sent_body(harness, request: GenerationRequest) -> dict:
    """Validate and submit `request`; return the JSON body the fake received."""
    harness.plugin.validate(request)
    harness.plugin.submit(request)
    return next(r for r in reversed(harness.fake.requests) if r.method == "POST").json()


def request(**fields) -> GenerationRequest:
    return GenerationRequest(**({"prompt": PROMPT} | fields))


# -- Runway -----------------------------------------------------------------------------------


def test_runway_gen45_sends_the_seed(provider_fake):
    runway = provider_fake("runway", "runway-gen4-5")
    assert sent_body(runway, request(seed=1234)) == {
        "model": "gen4.5",
        "promptText": PROMPT,
        "ratio": "1280:720",
        "duration": 5,
        "seed": 1234,
    }


@pytest.mark.parametrize(("audio", "sent"), [(True, {"audio": True}), (False, {"audio": False})])
def test_veo_via_runway_sends_audio_end_frame_and_negative_prompt(provider_fake, audio, sent):
    veo = provider_fake("runway", "runway-veo3-1")
    body = sent_body(
        veo,
        request(
            duration=8, image_url=FIRST, end_image_url=LAST, audio=audio, negative_prompt="blur"
        ),
    )
    assert body == {
        "model": "veo3.1",
        "promptText": PROMPT,
        "ratio": "1280:720",
        "duration": 8,
        "promptImage": [{"uri": FIRST, "position": "first"}, {"uri": LAST, "position": "last"}],
        **sent,
        "negativePrompt": "blur",
    }


def test_veo_via_runway_leaves_audio_to_the_model_when_it_is_not_set(provider_fake):
    veo = provider_fake("runway", "runway-veo3-1")
    assert "audio" not in sent_body(veo, request(duration=8))


# -- Luma -------------------------------------------------------------------------------------


def test_luma_sends_first_and_end_frames_as_keyframes(provider_fake):
    luma = provider_fake("luma", "luma-ray-2")
    assert sent_body(luma, request(image_url=FIRST, end_image_url=LAST, aspect_ratio="1:1")) == {
        "model": "ray-2",
        "generation_type": "video",
        "prompt": PROMPT,
        "aspect_ratio": "1:1",
        "resolution": "720p",
        "duration": "5s",
        "keyframes": {
            "frame0": {"type": "image", "url": FIRST},
            "frame1": {"type": "image", "url": LAST},
        },
    }


# -- Veo on the Gemini API --------------------------------------------------------------------


def test_veo_sends_the_end_frame_inline_and_the_negative_prompt(provider_fake):
    veo = provider_fake("veo", "veo-3-1")
    body = sent_body(
        veo,
        request(
            duration=8,
            aspect_ratio="9:16",
            image_url=PNG_DATA_URI,
            end_image_url=PNG_DATA_URI,
            negative_prompt="blur",
            audio=True,
        ),
    )
    inline = {"bytesBase64Encoded": PNG_DATA_URI.partition(",")[2], "mimeType": "image/png"}
    assert body == {
        "instances": [{"prompt": PROMPT, "image": inline, "lastFrame": inline}],
        "parameters": {
            "sampleCount": 1,
            "durationSeconds": 8,
            "aspectRatio": "9:16",
            "resolution": "720p",
            "negativePrompt": "blur",
        },
    }


# -- Kling ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("audio", "sound"), [(True, "on"), (False, "off")])
def test_kling_26_sound_follows_the_audio_setting(provider_fake, audio, sound):
    kling = provider_fake("kling", "kling-v2-6")
    assert sent_body(kling, request(audio=audio, duration=10, reference="ref-1")) == {
        "model_name": "kling-v2-6",
        "prompt": PROMPT,
        "mode": "pro",
        "duration": "10",
        "aspect_ratio": "16:9",
        "sound": sound,
        "external_task_id": "ref-1",
    }


def test_kling_26_sends_no_sound_field_when_audio_is_not_set(provider_fake):
    kling = provider_fake("kling", "kling-v2-6")
    assert "sound" not in sent_body(kling, request())


def test_kling_sends_the_end_frame_as_image_tail(provider_fake):
    kling = provider_fake("kling", "kling-v2-5-turbo")
    body = sent_body(
        kling, request(image_url=PNG_DATA_URI, end_image_url=PNG_DATA_URI, negative_prompt="blur")
    )
    raw = PNG_DATA_URI.partition(",")[2]
    assert body == {
        "model_name": "kling-v2-5-turbo",
        "prompt": PROMPT,
        "mode": "pro",
        "duration": "5",
        "image": raw,
        "image_tail": raw,
        "negative_prompt": "blur",
    }


@pytest.mark.parametrize(
    ("move", "axis", "value"),
    [
        ("pan_left", "pan", -5),
        ("pan_right", "pan", 5),
        ("tilt_up", "tilt", 5),
        ("tilt_down", "tilt", -5),
        ("zoom_in", "zoom", -5),
        ("zoom_out", "zoom", 5),
    ],
)
def test_kling_16_maps_each_camera_move_to_one_axis(provider_fake, move, axis, value):
    kling = provider_fake("kling", "kling-v1-6")
    config = {name: 0 for name in ("horizontal", "vertical", "pan", "tilt", "roll", "zoom")}
    assert sent_body(kling, request(camera=move))["camera_control"] == {
        "type": "simple",
        "config": config | {axis: value},
    }


def test_kling_16_sends_its_own_camera_preset_as_given(provider_fake):
    kling = provider_fake("kling", "kling-v1-6")
    body = sent_body(kling, request(camera_text="down_back"))
    assert body["camera_control"] == {"type": "down_back"}


def test_kling_refuses_camera_settings_it_has_no_field_for():
    for move in ("static", "dolly_in", "orbit"):
        with pytest.raises(PermanentProviderError, match="Kling 1.6 does not take the camera move"):
            get_plugin("kling-v1-6").validate(request(camera=move))
    with pytest.raises(PermanentProviderError, match="no camera preset 'spin'"):
        get_plugin("kling-v1-6").validate(request(camera_text="spin"))
    with pytest.raises(PermanentProviderError, match="not both"):
        camera_control("pan_left", "down_back")
    with pytest.raises(PermanentProviderError, match="end frame with camera control"):
        get_plugin("kling-v1-6").validate(
            request(image_url=FIRST, end_image_url=LAST, camera="zoom_in")
        )


# -- MiniMax ----------------------------------------------------------------------------------


def test_minimax_sends_the_end_frame_as_last_frame_image(provider_fake):
    minimax = provider_fake("minimax", "minimax-hailuo-02")
    body = sent_body(
        minimax, request(duration=6, resolution="768p", image_url=FIRST, end_image_url=LAST)
    )
    assert body == {
        "model": "MiniMax-Hailuo-02",
        "prompt": PROMPT,
        "duration": 6,
        "resolution": "768P",
        "first_frame_image": FIRST,
        "last_frame_image": LAST,
    }


# -- fal (Pika) and Replicate -----------------------------------------------------------------


def test_pika_sends_seed_negative_prompt_and_shape(provider_fake):
    pika = provider_fake("fal", "pika-2-2")
    body = sent_body(pika, request(seed=7, negative_prompt="blur", aspect_ratio="4:5"))
    assert body == {
        "prompt": PROMPT,
        "duration": 5,
        "resolution": "720p",
        "aspect_ratio": "4:5",
        "negative_prompt": "blur",
        "seed": 7,
    }


def test_wan_sends_seed_and_negative_prompt(provider_fake):
    wan = provider_fake("replicate", "wan-2-5-t2v")
    assert sent_body(wan, request(seed=7, negative_prompt="blur", duration=10)) == {
        "input": {
            "prompt": PROMPT,
            "duration": 10,
            "resolution": "720p",
            "negative_prompt": "blur",
            "seed": 7,
        }
    }


@pytest.mark.parametrize("audio", [True, False])
def test_ltx_sends_generate_audio_as_asked(provider_fake, audio):
    ltx = provider_fake("replicate", "ltx-2-fast")
    body = sent_body(ltx, request(duration=6, resolution="1080p", audio=audio))
    assert body == {
        "input": {
            "prompt": PROMPT,
            "duration": 6,
            "resolution": "1080p",
            "generate_audio": audio,
        }
    }


# -- refusals before anything is sent ---------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "plugin_key", "fields", "message"),
    [
        ("luma", "luma-ray-2", {"seed": 3}, "Luma Ray 2 does not take the setting seed"),
        ("luma", "luma-ray-2", {"audio": True}, "Luma Ray 2 does not take the setting audio on"),
        ("luma", "luma-ray-2", {"camera": "orbit"}, "Luma Ray 2 does not take the camera move"),
        (
            "luma",
            "luma-ray-2",
            {"negative_prompt": "blur"},
            "Luma Ray 2 does not take the setting negative prompt",
        ),
        (
            "veo",
            "veo-3-1",
            {"duration": 8, "audio": False},
            "Veo 3.1 does not take the setting audio off",
        ),
        (
            "runway",
            "runway-gen4-5",
            {"end_image_url": LAST, "image_url": FIRST},
            "Runway Gen-4.5 does not take the setting end frame",
        ),
        (
            "kling",
            "kling-v2-6",
            {"camera": "pan_left"},
            "Kling 2.6 does not take the camera move 'pan left': it has no camera control",
        ),
        (
            "kling",
            "kling-v2-5-turbo",
            {"camera_text": "down_back"},
            "Kling 2.5 Turbo does not take the setting camera text",
        ),
        (
            "minimax",
            "minimax-hailuo-2-3",
            {"duration": 6, "resolution": "768p", "image_url": FIRST, "end_image_url": LAST},
            "MiniMax Hailuo 2.3 does not take the setting end frame",
        ),
        (
            "fal",
            "pika-2-2",
            {"audio": True},
            "Pika 2.2 \\(via fal\\) does not take the setting audio on",
        ),
        (
            "replicate",
            "ltx-2-fast",
            {"duration": 6, "resolution": "1080p", "negative_prompt": "blur"},
            "does not take the setting negative prompt",
        ),
    ],
)
def test_a_setting_the_model_cant_honour_is_refused_naming_both(
    provider_fake, slug, plugin_key, fields, message
):
    harness = provider_fake(slug, plugin_key)
    with pytest.raises(PermanentProviderError, match=message):
        harness.plugin.validate(request(**fields))
    assert not [r for r in harness.fake.requests if r.method == "POST"]
