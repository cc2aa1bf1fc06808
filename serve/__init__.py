"""Model serving: catalog, GPU sizing and placement, launcher and OpenAI-compatible gateway."""
