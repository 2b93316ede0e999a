"""The functions' settings: Open WebUI's names, the worker limits, and one-line errors
naming a bad variable."""

import pytest

from data.functions.settings import FunctionSettings, load_function_settings
from data.settings import SettingsError, load_settings


def test_defaults_and_values():
    assert load_function_settings({}) == FunctionSettings()
    read = load_function_settings({
        "ENABLE_FUNCTIONS": "false", "ENABLE_VALVE_ENCRYPTION": "false",
        "FUNCTION_WORKERS": "4", "FUNCTION_QUEUE_TIMEOUT_MS": "500",
        "FUNCTION_TIMEOUT_MS": "2500", "FUNCTION_CPU_SECONDS": "3",
        "FUNCTION_MEMORY_MB": "300", "FUNCTION_OUTPUT_KB": "64"})
    assert read == FunctionSettings(enabled=False, valve_encryption=False, workers=4,
                                    queue_timeout=0.5, wall_seconds=2.5, cpu_seconds=3,
                                    memory_bytes=300 * 1024**2, output_bytes=64 * 1024)
    # Open WebUI 0.12.4 also reads ENABLE_PLUGINS; ENABLE_FUNCTIONS wins when both are set.
    assert load_function_settings({"ENABLE_PLUGINS": "false"}).enabled is False
    assert load_function_settings({"ENABLE_PLUGINS": "false",
                                   "ENABLE_FUNCTIONS": "true"}).enabled is True


@pytest.mark.parametrize(("name", "value"), [
    ("FUNCTION_WORKERS", "0"), ("FUNCTION_MEMORY_MB", "lots"), ("ENABLE_FUNCTIONS", "maybe"),
    ("FUNCTION_TIMEOUT_MS", "10")])
def test_a_bad_value_is_refused_naming_the_variable(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({"DATA_DIR": str(tmp_path), "WEBUI_SECRET_KEY": "k", name: value})
