"""Peer route searches on chemassist's own single-step model and stock, for side-by-side benchmarks.

AiZynthFinder (MCTS) and syntheseus (Retro*, MCTS) each get the shipped expansion model wrapped as their expansion
policy / backward model and the shipped stock wrapped as their stock, so that only the search algorithm differs.
Imported by benchmarks/synthesis_peers.py and its tests only, never by the product: the peers are optional
packages (``make peers``; aizynthfinder is installed without its pinned dependencies, see the Makefile).
"""

from tools.synthesis.peers.common import PeerResult, chemassist_search, route_key

__all__ = ["PeerResult", "chemassist_search", "route_key"]
