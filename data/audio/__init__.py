"""Speech engines: their settings, the audio formats we recognise, and the
OpenAI-compatible client for text to speech and speech to text."""
