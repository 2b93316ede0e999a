"""AUTOMATIC1111's web UI API: `POST {base}/sdapi/v1/txt2img` (images come back as
base64), `GET {base}/sdapi/v1/sd-models` for the model list. Its credentials are
`user:pass`, sent as Basic auth. A model asked for is set for this request only
(`override_settings`), never switched for the whole instance."""

from __future__ import annotations

import base64

from data.engines.image_jobs import Image, ImageJob, decoded_images
from data.engines.transport import NOT_IMAGE, EngineError, EngineHttp

ENGINE = "AUTOMATIC1111"


def headers(api_auth: str) -> dict[str, str]:
    if not api_auth:
        return {}
    return {"Authorization": "Basic " + base64.b64encode(api_auth.encode()).decode()}


async def generate(engine: EngineHttp, job: ImageJob) -> list[Image]:
    payload = {"prompt": job.prompt, "batch_size": job.n, "width": job.width,
               "height": job.height, "steps": job.steps, **job.params}
    if job.negative_prompt:
        payload["negative_prompt"] = job.negative_prompt
    if job.model:
        payload["override_settings"] = {"sd_model_checkpoint": job.model}
    answer = await engine.call_json("POST", "/sdapi/v1/txt2img", payload)
    images = answer.get("images") if isinstance(answer, dict) else None
    if not isinstance(images, list) or not images:
        raise EngineError(NOT_IMAGE, f"{ENGINE} answered without images.")
    return await decoded_images(ENGINE, images[: job.n])


async def edit(engine: EngineHttp, job: ImageJob, sources: list[Image]) -> list[Image]:
    """`POST {base}/sdapi/v1/img2img` with the sources as `init_images`."""
    payload = {"prompt": job.prompt, "batch_size": job.n, "width": job.width,
               "height": job.height, "steps": job.steps, **job.params,
               "init_images": [base64.b64encode(image.data).decode() for image in sources]}
    if job.negative_prompt:
        payload["negative_prompt"] = job.negative_prompt
    answer = await engine.call_json("POST", "/sdapi/v1/img2img", payload)
    images = answer.get("images") if isinstance(answer, dict) else None
    if not isinstance(images, list) or not images:
        raise EngineError(NOT_IMAGE, f"{ENGINE} answered without images.")
    return await decoded_images(ENGINE, images[: job.n])


async def models(engine: EngineHttp) -> list[dict[str, str]]:
    answer = await engine.call_json("GET", "/sdapi/v1/sd-models")
    return [{"id": str(m.get("title")), "name": str(m.get("model_name") or m.get("title"))}
            for m in answer if isinstance(m, dict) and m.get("title")
            ] if isinstance(answer, list) else []
