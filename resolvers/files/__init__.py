"""Uploaded files: storage, access, and processing into chunks."""

from resolvers.files.collections import add_file_to_collection
from resolvers.files.files import (
    FilePage,
    FileUpload,
    TooLarge,
    check_uploader,
    delete_all_files,
    delete_file,
    file_blob,
    file_settings,
    get_file,
    get_file_owner,
    get_file_text,
    list_files,
    too_large,
    update_file_text,
    upload_file,
)
from resolvers.files.processing import (
    file_chunks,
    follow_file_status,
    process_file,
    process_file_and_wait,
    recover_unfinished,
)

__all__ = [
    "FilePage", "FileUpload", "TooLarge", "add_file_to_collection", "check_uploader",
    "delete_all_files", "delete_file",
    "file_blob", "file_chunks", "file_settings", "follow_file_status", "get_file",
    "get_file_owner", "get_file_text", "list_files", "process_file", "process_file_and_wait",
    "recover_unfinished", "too_large", "update_file_text", "upload_file",
]
