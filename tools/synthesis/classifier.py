"""NeuralSym-style template classifier (Segler & Waller, Chem. Eur. J. 2017): Morgan counts -> template probabilities.

The input is a folded Morgan count fingerprint (radius 2, chirality on) fed to an ``EmbeddingBag`` with log(1 + count)
weights, so a large fingerprint costs no more than a small one; one ELU hidden layer with dropout; a softmax over the
training templates. An outcome's score is the summed probability of every template that gives it: different templates
often make the same precursors, and the sum ranks such outcomes above a single confident template; a template that
gives several outcomes shares its probability among them (benchmarks/synthesis_single_step.py and
benchmarks/results/synthesis.md record the choices measured on the validation split).

``train_classifier`` writes ``template_classifier.pt`` (int8 weights) into a cache directory; ``ClassifierModel.load``
reads it from there, or falls back to the copy shipped in ``data/`` (see data/PROVENANCE.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from rdchiral.main import rdchiralReactants
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator
from torch import nn

from tools.synthesis.errors import ModelNotBuilt
from tools.synthesis.library import DATA_DIR, TemplateLibrary, expired
from tools.synthesis.molecules import canonical_or_raise
from tools.synthesis.single_step import Scored, Suggestion, _check_top_k, _suggestion

MODEL_FILE = "template_classifier.pt"
SHIPPED_MODEL = DATA_DIR / MODEL_FILE


@dataclass(frozen=True)
class ClassifierConfig:
    """Architecture and training settings; the defaults are the configuration chosen on the validation split."""

    bits: int = 16384
    radius: int = 2
    chirality: bool = True
    counts: bool = True
    hidden: int = 512
    dropout: float = 0.5
    min_count: int = 1
    epochs: int = 8
    batch_size: int = 256
    max_lr: float = 2e-3
    label_smoothing: float = 0.0


class Featurizer:
    """Folded Morgan fingerprint of a SMILES as (bit indices, weights) for an ``EmbeddingBag``."""

    def __init__(self, config: ClassifierConfig):
        self.counts = config.counts
        self._gen = rdFingerprintGenerator.GetMorganGenerator(
            radius=config.radius, fpSize=config.bits, includeChirality=config.chirality
        )

    def __call__(self, smiles: str) -> tuple[np.ndarray, np.ndarray]:
        mol = Chem.MolFromSmiles(smiles)
        if mol is None:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        bits = self._gen.GetCountFingerprint(mol).GetNonzeroElements()
        index = np.fromiter(bits.keys(), np.int64, len(bits))
        count = np.fromiter(bits.values(), np.float32, len(bits))
        return index, np.log1p(count) if self.counts else np.ones_like(count)


def _bags(features: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    offsets = np.cumsum([0] + [len(i) for i, _ in features[:-1]])
    index = np.concatenate([i for i, _ in features])
    weight = np.concatenate([w for _, w in features])
    return torch.from_numpy(index), torch.from_numpy(offsets.astype(np.int64)), torch.from_numpy(weight)


class TemplateNet(nn.Module):
    def __init__(self, n_templates: int, config: ClassifierConfig):
        super().__init__()
        self.embed = nn.EmbeddingBag(config.bits, config.hidden, mode="sum")
        # A product sets about 50 bits: N(0, 1) rows would sum to huge activations and a first epoch lost to them.
        nn.init.normal_(self.embed.weight, std=0.05)
        self.bias = nn.Parameter(torch.zeros(config.hidden))
        self.drop = nn.Dropout(config.dropout)
        self.out = nn.Linear(config.hidden, n_templates)

    def forward(self, index: torch.Tensor, offsets: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        hidden = self.embed(index, offsets, per_sample_weights=weight) + self.bias
        return self.out(self.drop(nn.functional.elu(hidden)))


def train_classifier(
    library: TemplateLibrary,
    cache_dir: Path,
    config: ClassifierConfig | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    validation: tuple[Sequence[str], Sequence[int]] | None = None,
) -> Path:
    """Train on the library's training reactions and write ``cache_dir/template_classifier.pt``; returns the path.

    ``validation`` (products, their template ids, -1 for none) only adds the template top-1/top-10 accuracy of each
    epoch to the progress lines; it never changes the training.
    """
    config = config or ClassifierConfig()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    start = time.monotonic()
    labels = library.reaction_template_ids
    counts = dict(zip(library.templates.template_id, library.templates.train_count, strict=True))
    classes = np.array(sorted(t for t, c in counts.items() if c >= config.min_count), dtype=np.int64)
    index = {int(t): i for i, t in enumerate(classes)}
    keep = np.array([int(t) in index for t in labels])
    featurize = Featurizer(config)
    features = [featurize(s) for s in library.reactions["product"].to_numpy()[keep]]
    y = torch.tensor([index[int(t)] for t in labels[keep]], dtype=torch.int64)
    if progress:
        progress(f"{len(features)} products, {len(classes)} templates ({time.monotonic() - start:.0f} s)")
    net = TemplateNet(len(classes), config)
    opt = torch.optim.Adam(net.parameters(), lr=config.max_lr / 10, fused=True)  # fused: 10x faster steps on CPU
    steps = config.epochs * -(-len(features) // config.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.max_lr, total_steps=steps)
    for epoch in range(config.epochs):
        net.train()
        order = rng.permutation(len(features))
        total = 0.0
        for i in range(0, len(order), config.batch_size):
            idx = order[i : i + config.batch_size]
            logits = net(*_bags([features[j] for j in idx]))
            loss = nn.functional.cross_entropy(logits, y[idx], label_smoothing=config.label_smoothing)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        if progress:
            line = f"epoch {epoch + 1}/{config.epochs}: loss {total / len(features):.3f}"
            if validation is not None:
                top1, top10 = _template_accuracy(net, featurize, classes, *validation)
                line += f", validation template top-1 {top1:.1f}% top-10 {top10:.1f}%"
            progress(f"{line} ({time.monotonic() - start:.0f} s)")
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / MODEL_FILE
    meta = {"config": asdict(config), "n_templates": len(classes), "n_train": len(features),
            "seconds": round(time.monotonic() - start), "seed": seed}  # fmt: skip
    torch.save({"meta": meta, "state": _pack(net.state_dict()), "classes": torch.from_numpy(classes)}, path)
    (cache_dir / "template_classifier.json").write_text(json.dumps(meta, indent=2))
    return path


def _pack(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Weight matrices as int8 with one fp16 scale per row, the rest fp16: a quarter of the float32 size, so the
    trained model is small enough to ship, at no measurable cost in accuracy (checked on the validation split)."""
    packed = {}
    for key, value in state.items():
        if value.dim() == 2:
            scale = value.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / 127
            packed[key] = torch.round(value / scale).to(torch.int8)
            packed[f"{key}.scale"] = scale.half()
        else:
            packed[key] = value.half()
    return packed


def _unpack(packed: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    state = {}
    for key, value in packed.items():
        if key.endswith(".scale"):
            continue
        scale = packed.get(f"{key}.scale")
        state[key] = value.float() * scale.float() if scale is not None else value.float()
    return state


def _template_accuracy(
    net: TemplateNet, featurize: Featurizer, classes: np.ndarray, products: Sequence[str], template_ids: Sequence[int]
) -> tuple[float, float]:
    net.eval()
    hits1 = hits10 = 0
    with torch.no_grad():
        for i in range(0, len(products), 512):
            logits = net(*_bags([featurize(s) for s in products[i : i + 512]]))
            top = classes[torch.topk(logits, 10, dim=1).indices.numpy()]
            truth = np.asarray(template_ids[i : i + 512])[:, None]
            hits1 += int((top[:, :1] == truth).sum())
            hits10 += int((top == truth).sum())
    return 100 * hits1 / len(products), 100 * hits10 / len(products)


def classifier_path(cache_dir: Path | None = None) -> Path | None:
    """The classifier a planner would load: the one trained into ``cache_dir``, else the shipped one, else None.
    A cached file from an older version of this module (no configuration saved) is skipped."""
    for path in ([cache_dir / MODEL_FILE] if cache_dir is not None else []) + [SHIPPED_MODEL]:
        meta = path.with_suffix(".json")
        if path.exists() and (path == SHIPPED_MODEL or (meta.exists() and "config" in json.loads(meta.read_text()))):
            return path
    return None


class ClassifierModel:
    """Apply the most probable templates until ``mass`` of the probability (or ``max_templates``) is used up."""

    name = "classifier"

    def __init__(
        self,
        library: TemplateLibrary,
        net: TemplateNet,
        classes: np.ndarray,
        config: ClassifierConfig,
        max_templates: int = 100,
        mass: float = 0.999,
    ):
        self.library = library
        self.net = net.eval()
        self.classes = classes
        self.featurize = Featurizer(config)
        self.max_templates = max_templates
        self.mass = mass

    @classmethod
    def load(cls, library: TemplateLibrary, cache_dir: Path | None = None, **kwargs: float) -> ClassifierModel:
        """The classifier trained into ``cache_dir``, else the shipped one; raises ModelNotBuilt if neither exists."""
        path = classifier_path(cache_dir)
        if path is None:
            raise ModelNotBuilt(f"No template classifier in {cache_dir}; run `chemassist retro train` to build it.")
        saved = torch.load(path, map_location="cpu", weights_only=True)
        config = ClassifierConfig(**saved["meta"]["config"])
        net = TemplateNet(saved["meta"]["n_templates"], config)
        net.load_state_dict(_unpack(saved["state"]))
        return cls(library, net, saved["classes"].numpy(), config, **kwargs)  # type: ignore[arg-type]

    def template_probabilities(self, product: str) -> np.ndarray:
        with torch.no_grad():
            return torch.softmax(self.net(*_bags([self.featurize(product)])), dim=1)[0].numpy()

    def scored_outcomes(self, product: str, top_k: int = 10, deadline: float | None = None) -> Scored:
        """Canonical precursor set -> (score, most probable template giving it, no precedent rows). A template's
        probability is shared equally among the precursor sets it gives (say three regioisomers), and the shares
        of every template giving the same set add up. Past ``deadline`` (time.monotonic()) no further template is
        applied."""
        target = canonical_or_raise(product)
        probs = self.template_probabilities(target)
        prepared = rdchiralReactants(target)
        scored: Scored = {}
        used = 0.0
        for i in np.argsort(-probs)[: self.max_templates]:
            if expired(deadline):
                break
            p, tid = float(probs[i]), int(self.classes[i])
            outcomes = self.library.apply(tid, prepared, deadline)
            for outcome in outcomes:
                # templates come in falling probability, so the first one to give an outcome is its best
                score, best, _ = scored.get(outcome, (0.0, tid, []))
                scored[outcome] = (score + p / len(outcomes), best, [])
            used += p
            if used >= self.mass:
                break
        return scored

    def propose(self, product: str, top_k: int = 10, deadline: float | None = None) -> list[Suggestion]:
        _check_top_k(top_k)
        target = canonical_or_raise(product)
        ranked = sorted(self.scored_outcomes(target, top_k, deadline).items(), key=lambda kv: -kv[1][0])[:top_k]
        return [_suggestion(self.library, target, smi, s, tid, rows) for smi, (s, tid, rows) in ranked]
