"""`python -m serve.gateway --config gateway.yaml --port 8000`."""

from serve.gateway.server import main

main()
