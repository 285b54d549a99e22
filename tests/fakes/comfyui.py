"""Fake ComfyUI server: /prompt, /history/{id}, /queue, /view, /upload/image, /interrupt.

Speaks server.py's shapes: a client-chosen prompt_id is kept; an invalid workflow answers 400
with `error` and `node_errors`; history is {} until a prompt has run; the queue lists running
and pending prompts as [number, prompt_id, prompt, extra_data, outputs]; execution errors are
`execution_error` messages in the history entry's status. Queue and history live in memory, as
in ComfyUI: `restart()` brings the server back without them (a GPU box that went away mid-job).
ComfyUI has no auth of its own; the fake checks the header a reverse proxy would.
"""

from __future__ import annotations

import json
import re

from tests.fakes.server import FAILURE_REASON, FakeProvider, Request, Response, json_response

#: A Wan 2.2 text-to-video workflow as ComfyUI's Export (API) writes it, with our placeholders.
WAN_WORKFLOW = {
    "1": {
        "class_type": "UNETLoader",
        "inputs": {"unet_name": "wan2.2_t2v_14B_fp8_scaled.safetensors", "weight_dtype": "default"},
    },
    "2": {
        "class_type": "CLIPLoader",
        "inputs": {"clip_name": "umt5_xxl_fp8_e4m3fn_scaled.safetensors", "type": "wan"},
    },
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "model": ["1", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
            "latent_image": ["5", 0],
            "seed": "{{seed}}",
            "steps": 20,
            "cfg": 5.0,
            "sampler_name": "uni_pc",
            "scheduler": "simple",
            "denoise": 1.0,
        },
    },
    "4": {"class_type": "VAELoader", "inputs": {"vae_name": "wan_2.1_vae.safetensors"}},
    "5": {
        "class_type": "EmptyHunyuanLatentVideo",
        "inputs": {
            "width": "{{width}}",
            "height": "{{height}}",
            "length": "{{frames}}",
            "batch_size": 1,
        },
    },
    "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["2", 0], "text": "{{prompt}}"}},
    "7": {
        "class_type": "CLIPTextEncode",
        "inputs": {"clip": ["2", 0], "text": "{{negative_prompt}}"},
    },
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 0]}},
    "10": {"class_type": "CreateVideo", "inputs": {"images": ["8", 0], "fps": "{{fps}}"}},
    "9": {
        "class_type": "SaveVideo",
        "inputs": {
            "video": ["10", 0],
            "filename_prefix": "video/lockstep",
            "format": "mp4",
            "codec": "h264",
        },
    },
}
PLACEHOLDER = re.compile(r"\{\{\s*[a-z_]+\s*\}\}")
OOM = "CUDA out of memory. Tried to allocate 2.00 GiB"


class FakeComfyUI(FakeProvider):
    slug = "comfyui"
    routes = [
        ("POST", r"/prompt", "prompt", "submit"),
        ("POST", r"/upload/image", "upload", "upload"),
        ("GET", r"/history/(?P<prompt_id>[\w.-]+)", "history", "poll"),
        ("GET", r"/queue", "queue", "queue"),
        ("GET", r"/view", "view", "download"),
        ("POST", r"/queue", "queue_delete", "cancel"),
        ("POST", r"/interrupt", "interrupt", "cancel"),
    ]
    job_faults = ("job_failed", "job_failed_internal", "no_output")

    def __init__(self, **options):
        super().__init__(**options)
        #: Milliseconds between execution_start and its end, as the history reports them.
        self.execution_ms = 90_000
        self.uploads: list[str] = []
        self.number = 0

    def plugin_config(self) -> dict[str, str]:
        """Return the SelfHostedEndpoint fields that point a catalog row at this fake."""
        return {"base_url": self.base_url, "auth_header": f"Authorization: Bearer {self.key}"}

    def error(self, status: int, message: str) -> Response:
        kind = "invalid_prompt" if status < 500 else "server_error"
        body = {"error": {"type": kind, "message": message, "details": "", "extra_info": {}}}
        return json_response(body | {"node_errors": {}}, status)

    def no_credit(self) -> Response:
        # ComfyUI has no billing; a paid GPU host's proxy answers 402 when the account is empty.
        return self.error(402, "Insufficient credit on the GPU host account.")

    def prompt(self, request: Request) -> Response:
        body = request.json() or {}
        workflow = body.get("prompt")
        if not isinstance(workflow, dict) or not workflow:
            return self.error(400, "No prompt provided")
        node_errors = {}
        for node_id, node in workflow.items():
            unfilled = [
                name
                for name, value in (node.get("inputs") or {}).items()
                if isinstance(value, str) and PLACEHOLDER.search(value)
            ]
            if unfilled:
                node_errors[node_id] = {
                    "errors": [
                        {
                            "type": "value_not_valid",
                            "message": "Value not valid",
                            "details": f"{unfilled[0]}: unfilled placeholder",
                            "extra_info": {},
                        }
                    ],
                    "dependent_outputs": [],
                    "class_type": node.get("class_type"),
                }
        if node_errors:
            body = {
                "error": {
                    "type": "prompt_outputs_failed_validation",
                    "message": "Prompt outputs failed validation",
                    "details": "",
                    "extra_info": {},
                },
                "node_errors": node_errors,
            }
            return json_response(body, 400)
        with self.lock:
            self.number += 1
            number = self.number
        job = self.new_job(body, job_id=str(body.get("prompt_id") or f"p{number}"), number=number)
        return json_response({"prompt_id": job.id, "number": number, "node_errors": {}})

    def upload(self, request: Request) -> Response:
        form = request.form()
        if not isinstance(form.get("image"), bytes):
            return self.error(400, "No image uploaded.")
        name = f"upload_{len(self.uploads) + 1}.png"
        self.uploads.append(name)
        return json_response({"name": name, "subfolder": "", "type": "input"})

    def history(self, request: Request, prompt_id: str) -> Response:
        job = self.jobs.get(prompt_id)
        if job is None:
            return json_response({})
        phase = self.advance(job)
        job.extra["phase"] = phase
        if phase in ("queued", "running"):
            return json_response({})
        return json_response({prompt_id: self.entry(job, phase)})

    def entry(self, job, phase: str) -> dict:
        start = int(job.created * 1000)
        end = start + self.execution_ms
        messages = [
            ["execution_start", {"prompt_id": job.id, "timestamp": start}],
            ["execution_cached", {"nodes": [], "prompt_id": job.id, "timestamp": start}],
        ]
        outputs: dict = {}
        if phase == "canceled":
            messages.append(["execution_interrupted", {"prompt_id": job.id, "timestamp": end}])
            status = "error"
        elif phase in ("failed", "failed_internal"):
            internal = phase == "failed_internal"
            error = {
                "prompt_id": job.id,
                "node_id": "3",
                "node_type": "KSampler",
                "exception_type": "torch.OutOfMemoryError" if internal else "RuntimeError",
                "exception_message": OOM if internal else FAILURE_REASON,
                "traceback": ["..."],
                "timestamp": end,
            }
            messages.append(["execution_error", error])
            status = "error"
        else:
            messages.append(["execution_success", {"prompt_id": job.id, "timestamp": end}])
            status = "success"
            if phase != "no_output":
                video = {"filename": f"{job.id}_00001.mp4", "subfolder": "video", "type": "output"}
                outputs = {"9": {"images": [video], "animated": [True]}}
        return {
            "prompt": [job.extra["number"], job.id, job.body["prompt"], {}, ["9"]],
            "outputs": outputs,
            "status": {
                "status_str": status,
                "completed": status == "success",
                "messages": messages,
            },
            "meta": {},
        }

    def queue(self, request: Request) -> Response:
        running, pending = [], []
        with self.lock:
            jobs = list(self.jobs.values())
        for job in jobs:
            phase = job.extra.get("phase", "queued")
            item = [job.extra["number"], job.id, job.body["prompt"], {}, ["9"]]
            if phase == "running":
                running.append(item)
            elif phase == "queued":
                pending.append(item)
        return json_response({"queue_running": running, "queue_pending": pending})

    def view(self, request: Request) -> Response:
        if request.query.get("type") != "output" or not request.query.get("filename"):
            return self.error(400, "Bad view request.")
        job_id = request.query["filename"].rsplit("_", 1)[0]
        if job_id not in self.jobs:
            return Response(404, b"", {})
        return self.serve_file(request)

    def queue_delete(self, request: Request) -> Response:
        for prompt_id in (request.json() or {}).get("delete", []):
            if job := self.jobs.get(prompt_id):
                job.canceled = True
        return Response(200, b"", {})

    def interrupt(self, request: Request) -> Response:
        prompt_id = (request.json() or {}).get("prompt_id")
        if job := self.jobs.get(prompt_id):
            job.canceled = True
        return Response(200, json.dumps({}).encode(), {"Content-Type": "application/json"})
