"""ComfyUI workflows in API format: check one staff pasted, fill its placeholders for a request.

A workflow is what ComfyUI's "Export (API)" writes: {node_id: {"class_type", "inputs"}}, where
an input is a value or a link [source_node_id, output_index]. Staff mark the values we fill with
named placeholders, e.g. {"text": "{{prompt}}"} or {"seed": "{{seed}}"}. A placeholder that is
the whole value is replaced by a typed value (numbers stay numbers); inside a longer string it
is replaced by text.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from benchmarks.providers.base import Capabilities

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
#: What each placeholder receives.
PLACEHOLDERS = {
    "prompt": "the prompt text",
    "negative_prompt": "the negative prompt",
    "seed": "the seed",
    "width": "the width in pixels",
    "height": "the height in pixels",
    "frames": "the frame count (duration × fps)",
    "fps": "the frame rate",
    "image": "the uploaded first-frame image (a LoadImage file name)",
    "end_image": "the uploaded last-frame image (a LoadImage file name)",
    "audio": "sound on (true) or off (false); on when the request leaves it to the model",
    "camera": "the camera move's key (e.g. pan_left, one of the row's camera_moves), or empty",
    "camera_text": "the staff's own camera instruction, verbatim, or empty",
}
#: Nodes that write a video to ComfyUI's output folder (core and Video Helper Suite).
OUTPUT_NODES = frozenset(
    {"SaveVideo", "SaveWEBM", "SaveAnimatedWEBP", "SaveAnimatedPNG", "VHS_VideoCombine"}
)


class WorkflowError(ValueError):
    """The workflow can't be used; the message names the node or placeholder at fault."""


def workflow_check(workflow: Any, capabilities: Capabilities) -> None:
    """Raise WorkflowError naming the first problem: format, links, placeholders, output node."""
    if not isinstance(workflow, dict) or not workflow:
        raise WorkflowError("The workflow is empty: paste ComfyUI's Export (API) JSON.")
    if "nodes" in workflow and "links" in workflow:
        raise WorkflowError(
            "This is ComfyUI's UI format (it has 'nodes' and 'links'): export the workflow with "
            "Export (API) instead."
        )
    for node_id, node in workflow.items():
        if not isinstance(node, dict) or not isinstance(node.get("class_type"), str):
            raise WorkflowError(f"Node {node_id} has no class_type: is this the API format?")
        for name, value in (node.get("inputs") or {}).items():
            if _is_link(value) and str(value[0]) not in workflow:
                raise WorkflowError(
                    f"Node {node_id} ({node['class_type']}) input '{name}' links to node "
                    f"{value[0]}, which is not in the workflow."
                )
    found = placeholders(workflow)
    for name, where in found.items():
        if name not in PLACEHOLDERS:
            known = ", ".join(f"{{{{{known}}}}}" for known in PLACEHOLDERS)
            raise WorkflowError(
                f"{where} has an unknown placeholder {{{{{name}}}}}; known: {known}."
            )
    required = {"prompt": "the positive prompt's text (CLIPTextEncode or the model's encoder)"}
    if capabilities.image_to_video:
        required["image"] = "the LoadImage node's image"
    if capabilities.end_frame:
        required["end_image"] = "the end frame's LoadImage node"
    if capabilities.seed:
        required["seed"] = "the sampler's seed"
    if capabilities.audio and not capabilities.audio_always:
        required["audio"] = "the input that switches sound on or off"
    if capabilities.camera_moves:
        required["camera"] = "the input that picks the camera move"
    if capabilities.camera_text:
        required["camera_text"] = "the camera instruction's text"
    for name, hint in required.items():
        if name not in found:
            raise WorkflowError(
                f"The workflow has no {{{{{name}}}}} placeholder: put it in {hint}."
            )
    if not any(node["class_type"] in OUTPUT_NODES for node in workflow.values()):
        names = ", ".join(sorted(OUTPUT_NODES))
        raise WorkflowError(f"The workflow has no node that saves a video (one of {names}).")


def placeholders(workflow: dict[str, Any]) -> dict[str, str]:
    """Return each placeholder name in `workflow` with where it first appears, in words."""
    found: dict[str, str] = {}
    for node_id, node in workflow.items():
        for name, value in (node.get("inputs") or {}).items():
            if isinstance(value, str):
                for match in PLACEHOLDER.finditer(value):
                    where = f"Node {node_id} ({node.get('class_type')}) input '{name}'"
                    found.setdefault(match.group(1), where)
    return found


def workflow_fill(workflow: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of `workflow` with every placeholder replaced by its value in `values`."""
    filled = copy.deepcopy(workflow)
    for node in filled.values():
        inputs = node.get("inputs") or {}
        for name, value in inputs.items():
            if not isinstance(value, str):
                continue
            whole = PLACEHOLDER.fullmatch(value.strip())
            if whole:
                inputs[name] = values[whole.group(1)]
            else:
                inputs[name] = PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), value)
    return filled


def _is_link(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str | int)
        and isinstance(value[1], int)
    )
