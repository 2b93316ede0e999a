"""The LLM upstreams: Ollama and OpenAI-compatible servers over one shared HTTP client (http.py)."""
