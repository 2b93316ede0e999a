"""ComfyUI: a workflow graph (API format) patched with the request's values through
Open WebUI's node mapping, queued with `POST /prompt`, followed on the `/ws?clientId=`
WebSocket (progress, then `executing` with no node for our prompt: done), then read from
`/history/{prompt_id}` and fetched from `/view` for the graph's image-saving nodes.

The WebSocket is opened before the prompt is queued so no message about it is missed.
"""

from __future__ import annotations

import json
import random
import uuid
from typing import Any
from urllib.parse import urlencode

from data.engines.image_jobs import Image, ImageJob, image_of
from data.engines.image_settings import DEFAULT_COMFYUI_NODES
from data.engines.transport import (
    BROKEN,
    NOT_IMAGE,
    REFUSED,
    EngineError,
    EngineHttp,
    transport_failure,
)
from data.llm.base import TransportError

ENGINE = "ComfyUI"
SAVING_NODES = ("SaveImage", "SaveImageAdvanced", "PreviewImage")
DEFAULT_KEYS = {"prompt": "text", "negative_prompt": "text", "model": "ckpt_name",
                "width": "width", "height": "height", "n": "batch_size", "steps": "steps",
                "seed": "seed"}
MAX_MESSAGE = 4 * 1024 * 1024  # progress previews arrive as binary frames


class WorkflowError(ValueError):
    """The configured workflow or node mapping cannot be used; the message says why."""


def headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def parse_workflow(text: str) -> dict[str, Any]:
    try:
        graph = json.loads(text)
    except (TypeError, ValueError):
        raise WorkflowError("COMFYUI_WORKFLOW is not valid JSON.") from None
    if not isinstance(graph, dict) or not all(isinstance(n, dict) and
                                              isinstance(n.get("inputs"), dict)
                                              for n in graph.values()):
        raise WorkflowError("COMFYUI_WORKFLOW must be a graph in ComfyUI's API format "
                            "(node id -> {class_type, inputs}).")
    return graph


def patched_workflow(text: str, nodes: Any, job: ImageJob) -> dict[str, Any]:
    """The graph with the job's values where the mapping says; a random seed unless
    the mapping has none to set."""
    graph = parse_workflow(text)
    mapping = nodes if isinstance(nodes, list) and nodes else DEFAULT_COMFYUI_NODES
    values = {"prompt": job.prompt, "negative_prompt": job.negative_prompt,
              "model": job.model, "width": job.width, "height": job.height, "n": job.n,
              "steps": job.steps, "seed": random.randrange(2**50)}
    for entry in mapping:
        if not isinstance(entry, dict) or not isinstance(entry.get("node_ids"), list):
            raise WorkflowError("COMFYUI_WORKFLOW_NODES entries need a node_ids list.")
        kind = entry.get("type")
        if kind and kind not in DEFAULT_KEYS:
            continue  # types this engine has no value for (an input image, say)
        if kind == "model" and not job.model:
            continue  # the workflow's own checkpoint
        key = entry.get("key") or DEFAULT_KEYS.get(kind or "")
        if not key:
            raise WorkflowError("A COMFYUI_WORKFLOW_NODES entry has no key.")
        value = values[kind] if kind else entry.get("value")
        for node_id in entry["node_ids"]:
            node = graph.get(str(node_id))
            if node is None:
                raise WorkflowError(f"COMFYUI_WORKFLOW has no node {node_id!s:.40}.")
            node["inputs"][key] = value
    return graph


async def generate(engine: EngineHttp, job: ImageJob, workflow: str, nodes: Any
                   ) -> list[Image]:
    graph = patched_workflow(workflow, nodes, job)
    client_id = str(uuid.uuid4())
    try:
        socket = await engine.http.websocket(engine.base_url, f"/ws?clientId={client_id}",
                                             engine.headers, max_message=MAX_MESSAGE)
    except TransportError as error:
        raise transport_failure(ENGINE, error) from None
    try:
        queued = await engine.call_json("POST", "/prompt",
                                        {"prompt": graph, "client_id": client_id})
        prompt_id = queued.get("prompt_id") if isinstance(queued, dict) else None
        if not isinstance(prompt_id, str):
            raise EngineError(BROKEN, f"{ENGINE} did not say which prompt it queued.")
        await _follow(socket, prompt_id, job)
    finally:
        await socket.close()
    return await _images(engine, graph, prompt_id, job.n)


async def _follow(socket, prompt_id: str, job: ImageJob) -> None:
    """Until ComfyUI says our prompt has finished; its errors end it."""
    import aiohttp  # the WebSocket's message types; loaded with the HTTP client

    async for message in socket:
        if message.type is aiohttp.WSMsgType.BINARY:
            continue  # a preview image
        if message.type is not aiohttp.WSMsgType.TEXT:
            break
        try:
            event = json.loads(message.data)
        except ValueError:
            continue
        data = event.get("data") if isinstance(event, dict) else None
        if not isinstance(data, dict) or data.get("prompt_id") not in (prompt_id, None):
            continue
        kind = event.get("type")
        if kind == "progress" and data.get("prompt_id") == prompt_id:
            await job.progress(int(data.get("value") or 0), int(data.get("max") or 0))
        elif kind == "execution_error" and data.get("prompt_id") == prompt_id:
            said = str(data.get("exception_message") or "the workflow failed")[:200]
            raise EngineError(REFUSED, f"{ENGINE} could not run the workflow: {said}")
        elif (kind == "executing" and data.get("node") is None
              and data.get("prompt_id") == prompt_id):
            return
    raise EngineError(BROKEN, f"{ENGINE} closed its WebSocket before the image was ready.")


async def _images(engine: EngineHttp, graph: dict, prompt_id: str, n: int) -> list[Image]:
    history = await engine.call_json("GET", f"/history/{prompt_id}")
    entry = history.get(prompt_id) if isinstance(history, dict) else None
    outputs = entry.get("outputs") if isinstance(entry, dict) else None
    images: list[Image] = []
    for node_id, output in (outputs or {}).items():
        node = graph.get(node_id) or {}
        if node.get("class_type") not in SAVING_NODES or not isinstance(output, dict):
            continue
        for item in output.get("images") or []:
            if not isinstance(item, dict) or len(images) >= n:
                continue
            query = urlencode({"filename": str(item.get("filename", "")),
                               "subfolder": str(item.get("subfolder", "")),
                               "type": str(item.get("type", "output"))})
            data, _ = await engine.call("GET", f"/view?{query}")
            images.append(image_of(ENGINE, data))
    if not images:
        raise EngineError(NOT_IMAGE, f"{ENGINE} finished without saving an image.")
    return images


async def models(engine: EngineHttp) -> list[dict[str, str]]:
    info = await engine.call_json("GET", "/object_info/CheckpointLoaderSimple")
    try:
        names = info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0]
    except (KeyError, IndexError, TypeError):
        return []
    return [{"id": str(name), "name": str(name)} for name in names]
