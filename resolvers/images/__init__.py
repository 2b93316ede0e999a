"""Image generation through AUTOMATIC1111, ComfyUI and OpenAI: settings, models, and
images stored as the caller's files."""

from resolvers.images.config import SETTING_NAMES, get_image_config, update_image_config
from resolvers.images.edit import EditRequest, edit_images
from resolvers.images.engines import EngineTimeout
from resolvers.images.generate import (
    ImageRequest,
    follow_image_generation,
    generate_images,
    list_image_models,
)
from resolvers.images.verify import verify_image_engine

__all__ = ["SETTING_NAMES", "EditRequest", "EngineTimeout", "ImageRequest", "edit_images",
           "follow_image_generation", "generate_images", "get_image_config",
           "list_image_models", "update_image_config", "verify_image_engine"]
