"""RUN_HEARTBEAT_INTERVAL and RUN_LEASE_TIMEOUT: their defaults, their values in seconds,
and one-line errors naming a bad variable (a timeout under two intervals included)."""

import pytest

from data.settings import SettingsError, load_settings


def _load(tmp_path, **env: str):
    return load_settings({"DATA_DIR": str(tmp_path), "WEBUI_SECRET_KEY": "k", **env})


def test_defaults_and_values(tmp_path):
    default = _load(tmp_path)
    assert (default.run_heartbeat_interval, default.run_lease_timeout) == (10.0, 60.0)
    read = _load(tmp_path, RUN_HEARTBEAT_INTERVAL="0.5", RUN_LEASE_TIMEOUT="1")
    assert (read.run_heartbeat_interval, read.run_lease_timeout) == (0.5, 1.0)


@pytest.mark.parametrize(("env", "named"), [
    ({"RUN_HEARTBEAT_INTERVAL": "often"}, "RUN_HEARTBEAT_INTERVAL"),
    ({"RUN_HEARTBEAT_INTERVAL": "0"}, "RUN_HEARTBEAT_INTERVAL"),
    ({"RUN_LEASE_TIMEOUT": "-5"}, "RUN_LEASE_TIMEOUT"),
    ({"RUN_LEASE_TIMEOUT": "nan"}, "RUN_LEASE_TIMEOUT"),
    ({"RUN_HEARTBEAT_INTERVAL": "10", "RUN_LEASE_TIMEOUT": "15"}, "at least twice")])
def test_a_bad_value_is_refused_naming_the_variable(tmp_path, env, named):
    with pytest.raises(SettingsError, match=named) as refused:
        _load(tmp_path, **env)
    assert "\n" not in str(refused.value)
