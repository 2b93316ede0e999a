"""Upload and chunking settings: Open WebUI's names, their defaults, and a clear error
naming the first bad value."""

import pytest

from data.settings import SettingsError, load_settings


def settings(tmp_path, **env):
    return load_settings({"DATA_DIR": str(tmp_path), "WEBUI_SECRET_KEY": "k" * 32, **env})


def test_defaults(tmp_path):
    files = settings(tmp_path).files
    assert files.uploads_dir == (tmp_path / "uploads").resolve() and files.uploads_dir.is_dir()
    assert files.max_size == 100 * 1024**2 and files.allowed_extensions == ()
    assert (files.chunk_size, files.chunk_overlap, files.markdown_header_split) == (1000, 100,
                                                                                     True)
    assert files.former_uploads_dir is None


def test_values(tmp_path):
    files = settings(tmp_path, RAG_FILE_MAX_SIZE="5", RAG_ALLOWED_FILE_EXTENSIONS=".PDF, txt,",
                     CHUNK_SIZE="500", CHUNK_OVERLAP="0", UPLOAD_DIR=str(tmp_path / "up"),
                     UPLOAD_DIR_FORMERLY="/app/backend/data/uploads/",
                     ENABLE_MARKDOWN_HEADER_TEXT_SPLITTER="false").files
    assert files.max_size == 5 * 1024**2 and files.allowed_extensions == ("pdf", "txt")
    assert (files.chunk_size, files.chunk_overlap) == (500, 0)
    assert files.uploads_dir == (tmp_path / "up").resolve()
    assert files.former_uploads_dir == "/app/backend/data/uploads"
    assert files.markdown_header_split is False


@pytest.mark.parametrize("env, named", [
    ({"RAG_FILE_MAX_SIZE": "ten"}, "RAG_FILE_MAX_SIZE"),
    ({"RAG_FILE_MAX_SIZE": "0"}, "RAG_FILE_MAX_SIZE"),
    ({"CHUNK_SIZE": "100", "CHUNK_OVERLAP": "100"}, "CHUNK_OVERLAP"),
    ({"ENABLE_MARKDOWN_HEADER_TEXT_SPLITTER": "maybe"}, "ENABLE_MARKDOWN_HEADER_TEXT_SPLITTER"),
    ({"UPLOAD_DIR": "/proc/forbidden/uploads"}, "UPLOAD_DIR"),
])
def test_bad_values_are_named(tmp_path, env, named):
    with pytest.raises(SettingsError, match=named):
        settings(tmp_path, **env)
