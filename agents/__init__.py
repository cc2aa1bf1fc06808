"""LangGraph agents for chemassist (router, tool loop, literature subgraph, safety guard)."""
