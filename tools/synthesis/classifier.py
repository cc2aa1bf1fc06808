"""NeuralSym-style template classifier (Segler & Waller, Chem. Eur. J. 2017): Morgan bits -> template probabilities.

A one-hidden-layer network (256 units) over a 16,384-bit Morgan fingerprint (radius 2), trained on the USPTO-50k
training products whose template occurs at least twice (3,506 templates): about 7 minutes on two busy CPU cores.
It is not shipped (10 MB): ``train_classifier`` writes it to a
cache directory the caller chooses (the CLI uses ``<data_dir>/synthesis``) and ``ClassifierModel.load`` reads it.
The input layer is an ``EmbeddingBag`` over the on-bits, so a large fingerprint costs no more than a small one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from rdchiral.main import rdchiralReactants
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator
from torch import nn

from tools.synthesis.errors import ModelNotBuilt
from tools.synthesis.library import TemplateLibrary
from tools.synthesis.molecules import canonical_or_raise
from tools.synthesis.single_step import Suggestion, _check_top_k, _suggestion

CLF_BITS = 16384
MODEL_FILE = "template_classifier.pt"
_gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=CLF_BITS)


def on_bits(smiles: str) -> np.ndarray:
    mol = Chem.MolFromSmiles(smiles)
    return (
        np.asarray(list(_gen.GetFingerprint(mol).GetOnBits()), dtype=np.int64)
        if mol is not None
        else np.empty(0, np.int64)
    )


def _bags(bit_lists: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    offsets = np.cumsum([0] + [len(b) for b in bit_lists[:-1]])
    flat = np.concatenate(bit_lists) if bit_lists else np.empty(0, np.int64)
    return torch.from_numpy(flat), torch.from_numpy(offsets.astype(np.int64))


class TemplateNet(nn.Module):
    def __init__(self, n_templates: int, hidden: int = 512, dropout: float = 0.3):
        super().__init__()
        self.embed = nn.EmbeddingBag(CLF_BITS, hidden, mode="sum")
        self.bias = nn.Parameter(torch.zeros(hidden))
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, n_templates)

    def forward(self, flat: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.out(self.drop(torch.nn.functional.elu(self.embed(flat, offsets) + self.bias)))


def train_classifier(
    library: TemplateLibrary,
    cache_dir: Path,
    epochs: int = 6,
    hidden: int = 256,
    min_count: int = 2,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Train on the library's training reactions and write ``cache_dir/template_classifier.pt``; returns the path."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    start = time.monotonic()
    # Templates seen once are left to the similarity model: they are 2/3 of the output layer and 17% of the rows.
    labels = library.reaction_template_ids
    counts = dict(zip(library.templates.template_id, library.templates.train_count, strict=True))
    classes = np.array(sorted(t for t, c in counts.items() if c >= min_count), dtype=np.int64)
    index = {int(t): i for i, t in enumerate(classes)}
    keep = np.array([int(t) in index for t in labels])
    products = library.reactions["product"].to_numpy()[keep]
    y = torch.tensor([index[int(t)] for t in labels[keep]], dtype=torch.int64)
    bits = [on_bits(s) for s in products]
    if progress:
        progress(f"{len(bits)} products, {len(classes)} templates ({time.monotonic() - start:.0f} s)")
    net = TemplateNet(len(classes), hidden)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=epochs * (len(bits) // 256 + 1))
    for epoch in range(epochs):
        net.train()
        order = rng.permutation(len(bits))
        total = 0.0
        for i in range(0, len(order), 256):
            idx = order[i : i + 256]
            flat, offsets = _bags([bits[j] for j in idx])
            loss = nn.functional.cross_entropy(net(flat, offsets), y[idx], label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        if progress:
            progress(f"epoch {epoch + 1}/{epochs}: loss {total / len(bits):.3f} ({time.monotonic() - start:.0f} s)")
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / MODEL_FILE
    meta = {"n_templates": len(classes), "hidden": hidden, "epochs": epochs, "n_train": len(bits), "bits": CLF_BITS,
            "min_count": min_count, "seconds": round(time.monotonic() - start)}  # fmt: skip
    state = {k: v.half() for k, v in net.state_dict().items()}
    torch.save({"meta": meta, "state": state, "classes": torch.from_numpy(classes)}, path)
    (cache_dir / "template_classifier.json").write_text(json.dumps(meta, indent=2))
    return path


class ClassifierModel:
    """Apply the classifier's most probable templates (up to ``max_templates``) until top-k outcomes are found."""

    name = "classifier"

    def __init__(self, library: TemplateLibrary, net: TemplateNet, classes: np.ndarray, max_templates: int = 100):
        self.library = library
        self.net = net.eval()
        self.classes = classes
        self.max_templates = max_templates

    @classmethod
    def load(cls, library: TemplateLibrary, cache_dir: Path, max_templates: int = 100) -> ClassifierModel:
        path = cache_dir / MODEL_FILE
        if not path.exists():
            raise ModelNotBuilt(f"No template classifier in {cache_dir}; run `chemassist retro train` to build it.")
        saved = torch.load(path, map_location="cpu", weights_only=True)
        net = TemplateNet(saved["meta"]["n_templates"], saved["meta"]["hidden"])
        net.load_state_dict({k: v.float() for k, v in saved["state"].items()})
        return cls(library, net, saved["classes"].numpy(), max_templates)

    def template_probabilities(self, product: str) -> np.ndarray:
        with torch.no_grad():
            flat, offsets = _bags([on_bits(product)])
            return torch.softmax(self.net(flat, offsets), dim=1)[0].numpy()

    def scored_outcomes(self, product: str, top_k: int = 10) -> dict[str, tuple[float, int, list[int]]]:
        target = canonical_or_raise(product)
        probs = self.template_probabilities(target)
        prepared = rdchiralReactants(target)
        best: dict[str, tuple[float, int, list[int]]] = {}
        for i in np.argsort(-probs)[: self.max_templates]:
            tid = int(self.classes[i])
            for outcome in self.library.apply(tid, prepared):
                if outcome not in best or probs[i] > best[outcome][0]:
                    best[outcome] = (float(probs[i]), tid, [])
            if len(best) >= 3 * top_k:
                break
        return best

    def propose(self, product: str, top_k: int = 10) -> list[Suggestion]:
        _check_top_k(top_k)
        target = canonical_or_raise(product)
        ranked = sorted(self.scored_outcomes(target, top_k).items(), key=lambda kv: -kv[1][0])[:top_k]
        return [_suggestion(self.library, target, smi, s, tid, rows) for smi, (s, tid, rows) in ranked]
