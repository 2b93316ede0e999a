"""How a model name on Ollama's routes is read: without a tag it means its `:latest`,
as Ollama reads it; a registry host's port is no tag."""

import pytest

from data.llm.catalog import Catalog, ModelEntry
from resolvers.models.models import ollama_name

NAMES = ("llama3:latest", "llama3:8b", "localhost:5000/team/coder:latest",
         "hf.co/org/model:latest", "prefix.qwen3:latest")


def catalog(*names: str) -> Catalog:
    return Catalog(ollama={n: ModelEntry(n, n, "ollama", (0,), {"model": n}, "local")
                           for n in names})


@pytest.mark.parametrize(("asked", "meant"), [
    ("llama3", "llama3:latest"),
    ("llama3:8b", "llama3:8b"),
    ("llama3:70b", "llama3:70b"),  # a tag of its own is kept, listed or not
    ("localhost:5000/team/coder", "localhost:5000/team/coder:latest"),
    ("hf.co/org/model", "hf.co/org/model:latest"),
    ("prefix.qwen3", "prefix.qwen3:latest"),
    ("mistral", "mistral"),  # nothing to mean: the caller hears it was not found
])
def test_a_name_without_a_tag_means_latest(asked, meant):
    assert ollama_name(catalog(*NAMES), asked) == meant


def test_a_listed_name_without_a_tag_is_itself():
    assert ollama_name(catalog("custom", "custom:latest"), "custom") == "custom"
