"""The LLM upstreams: Ollama and OpenAI-compatible servers over one shared aiohttp client."""
