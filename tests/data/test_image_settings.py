"""Image settings from the environment: Open WebUI's variables seed its `config` keys
(the OpenAI engine falling back to the first OpenAI connection), Parley's limits are
process settings, and a bad value stops start-up with one line naming it."""

import pytest

from data.settings import SettingsError, load_settings


def settings(tmp_path, **env):
    return load_settings({"DATA_DIR": str(tmp_path), "WEBUI_SECRET_KEY": "k", **env})


def test_variables_seed_open_webui_config_keys(tmp_path):
    seed = settings(tmp_path, ENABLE_IMAGE_GENERATION="true", IMAGE_GENERATION_ENGINE="comfyui",
                    IMAGE_STEPS="30", COMFYUI_BASE_URL="http://127.0.0.1:8188",
                    COMFYUI_WORKFLOW_NODES='[{"type": "prompt", "node_ids": ["6"]}]',
                    AUTOMATIC1111_PARAMS='{"cfg_scale": 7}',
                    OPENAI_API_BASE_URL="http://llm.local/v1", OPENAI_API_KEY="sk-x"
                    ).runtime.values
    assert seed["image_generation.enable"] is True
    assert seed["image_generation.engine"] == "comfyui"
    assert seed["image_generation.steps"] == 30
    assert seed["image_generation.comfyui.base_url"] == "http://127.0.0.1:8188"
    assert seed["image_generation.comfyui.nodes"] == [{"type": "prompt", "node_ids": ["6"]}]
    assert seed["image_generation.automatic1111.params"] == {"cfg_scale": 7}
    assert seed["image_generation.openai.api_base_url"] == "http://llm.local/v1"
    assert seed["image_generation.openai.api_key"] == "sk-x"
    assert seed["images.edit.enable"] is False


def test_limits(tmp_path):
    limits = settings(tmp_path, IMAGE_GENERATION_MAX_COUNT="8", IMAGE_GENERATION_MAX_MB="20",
                      IMAGE_GENERATION_TIMEOUT="90").images
    assert (limits.max_count, limits.max_image_bytes, limits.timeout) == (8, 20 * 1024**2, 90)
    assert settings(tmp_path).images.max_count == 4


@pytest.mark.parametrize("name, value", [
    ("ENABLE_IMAGE_GENERATION", "perhaps"), ("IMAGE_STEPS", "many"),
    ("COMFYUI_WORKFLOW_NODES", "{not json"), ("IMAGES_OPENAI_PARAMS", "[1]"),
    ("IMAGE_GENERATION_MAX_COUNT", "0"), ("IMAGE_GENERATION_TIMEOUT", "-1"),
    ("IMAGE_GENERATION_MAX_MB", "lots"),
])
def test_bad_values_name_the_variable(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name):
        settings(tmp_path, **{name: value})
