"""Synthesis page widgets: a route search as a background job, and routes drawn as reaction diagrams.

The search runs as a job of app.services.jobs (like app.ui.chat_job) so that the page can show its progress and
stop it; the result is rendered from ``SearchResult.to_dict()``, the same shape stored in a ``route`` artifact.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from app.errors import ChemassistError
from app.services import synthesis
from app.services.jobs import Job, unexpected
from app.ui.molecules import show_svg
from app.ui.text import escape

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchOptions:
    time_limit_s: float = 30.0
    max_depth: int = 6
    max_routes: int = 5
    algorithm: str = "best-first"
    use_zinc: bool = False
    stop_at_stock: bool = False


@dataclass
class SearchJob:
    """One route search as a background job (app.services.jobs); ``result`` (a dict), ``error`` or ``refusal``
    when done. Stop ends the search after its current expansion, with the routes found so far."""

    target: str
    options: SearchOptions
    progress: synthesis.SearchProgress | None = None
    refusal: dict[str, Any] | None = None
    job: Job[dict[str, Any] | None] | None = field(default=None, repr=False)

    def start(self) -> SearchJob:
        self.job = Job(self._run, name="synthesis-search", describe_error=unexpected("The route search"))
        self.job.start()
        return self

    def _on_progress(self, progress: synthesis.SearchProgress) -> None:
        self.progress = progress

    def _run(self, job: Job[dict[str, Any] | None]) -> dict[str, Any] | None:
        o = self.options
        try:
            result = synthesis.search(
                self.target, time_limit_s=o.time_limit_s, max_iterations=1_000_000, max_routes=o.max_routes,
                max_depth=o.max_depth, algorithm=o.algorithm, use_zinc=o.use_zinc, stop_at_stock=o.stop_at_stock,
                progress=self._on_progress, stop=job.cancel_event,
            )  # fmt: skip
        except synthesis.TargetRefused as exc:
            self.refusal = {"target": self.target, "smiles": exc.smiles, "reason": exc.reason, "hits": exc.hits}
            return None
        return result.to_dict() | result.extra

    @property
    def done(self) -> bool:
        return self.job is not None and self.job.finished

    @property
    def result(self) -> dict[str, Any] | None:
        return self.job.result if self.job is not None else None

    @property
    def error(self) -> str | None:
        return self.job.error if self.job is not None else None

    @property
    def stop_requested(self) -> threading.Event:
        assert self.job is not None, "the search was started"
        return self.job.cancel_event

    @property
    def elapsed_s(self) -> float:
        return self.job.snapshot().elapsed_s if self.job is not None else 0.0

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()


def progress_view(job: SearchJob) -> None:
    """Iterations, routes found and elapsed time of a running search (or that the planner is still loading)."""
    p = job.progress
    limit = job.options.time_limit_s
    if p is None and not synthesis.is_loaded(use_zinc=job.options.use_zinc):
        st.markdown(
            f"**Loading the template library and the single-step model** for “{job.target}” "
            f"({job.elapsed_s:.0f} s; only the first search after the app starts waits for this)."
        )
        st.progress(0.0)
        return
    iterations, routes, elapsed = (p.iterations, p.routes_found, p.elapsed_s) if p else (0, 0, 0.0)
    st.markdown(f"**Searching routes to “{escape(job.target)}”** ({job.options.algorithm})")  # issue 18
    c1, c2, c3 = st.columns(3)
    c1.metric("Iterations", f"{iterations:,}")
    c2.metric("Routes found", f"{routes} of {job.options.max_routes}")
    c3.metric("Elapsed", f"{elapsed:.1f} s of {limit:.0f} s")
    st.progress(  # the search is time-limited: the limit, not the rate, says how long it can still take
        min(elapsed / limit, 1.0),
        text=f"at most {max(limit - elapsed, 0):.0f} s left",
    )


# --- results -------------------------------------------------------------------------------------------------


@st.cache_data(max_entries=512, show_spinner=False)
def reaction_svg(reactants: tuple[str, ...], product: str) -> str:
    return synthesis.reaction_svg(reactants, product, width=900, height=200)


@st.cache_data(max_entries=128, show_spinner=False)
def alternatives(product: str, top_k: int = 8) -> list[dict[str, Any]]:
    """Other one-step disconnections of ``product`` (the single-step model's top-k), as dicts."""
    return [s.to_dict() for s in synthesis.single_step(product, top_k=top_k).suggestions]


def forward_steps(route: dict[str, Any]) -> list[dict[str, Any]]:
    """Steps in the order a chemist runs them (the planner lists the target's step first)."""
    return list(reversed(route.get("steps") or []))


def _class_label(step: dict[str, Any]) -> str:
    if step.get("reaction_class"):
        name = f"{step.get('reaction_class_name') or 'unnamed'} (class {step['reaction_class']}"
        if step.get("reaction_class_source") == "predicted":
            return f"{name}, predicted with confidence {float(step.get('class_confidence') or 0):.2f})"
        return f"{name})"
    # USPTO-50k records classes for its validation and test reactions only; the rest are predicted where the
    # classifier is confident (tools/synthesis/reaction_classes.py).
    return "reaction class not recorded for this template"


def generality(step: dict[str, Any]) -> str:
    """'template 127, from 40 training reactions' (and a flag when it rests on one reaction)."""
    count = int(step.get("template_count") or 0)
    text = f"template {step.get('template_id')}"
    if count:
        text += f", from {count} training reaction{'s' if count != 1 else ''}"
    if step.get("rare_template"):
        text += " · :orange-badge[rare template: seen once]"
    return text


def protection_lines(step: dict[str, Any]) -> list[str]:
    """One Markdown line per group the step may need to protect (tools.synthesis.protection), with the reason and
    the rule's source; [] when nothing is flagged or the step was not judged."""
    lines = []
    for flag in step.get("protection_flags") or []:
        lines.append(
            f":orange-badge[protecting group?] {escape(flag['text'])}: {escape(flag['reason'])} "
            f"(usually {escape(flag['usual_protection'])}; source: {escape(flag['source'])})"
        )
    return lines


def route_shape(route: dict[str, Any]) -> str:
    """'2 steps · longest linear sequence 2 · linear'."""
    n = int(route.get("n_steps") or 0)
    lls = route.get("longest_linear_sequence", route.get("depth", 0))
    shape = "convergent" if route.get("convergent") else "linear"
    return f"{n} step{'s' if n != 1 else ''} · longest linear sequence {lls} · {shape}"


def stock_badge(leaf: dict[str, Any]) -> str:
    if leaf.get("in_stock"):
        return f":green-badge[in stock · {synthesis.stock_label(leaf.get('source'), leaf.get('name'))}]"
    return ":red-badge[not in stock]"


def route_summary(route: dict[str, Any]) -> str:
    leaves = route.get("leaves") or []
    stocked = sum(1 for leaf in leaves if leaf.get("in_stock"))
    status = "solved" if route.get("solved") else "not solved"
    rare = f" · {route['rare_steps']} rare template(s)" if route.get("rare_steps") else ""
    protect = f" · {route['protection_steps']} step(s) may need protection" if route.get("protection_steps") else ""
    return (
        f"{route_shape(route)} · score {float(route.get('score') or 0):.3f} · {status} · "
        f"{stocked} of {len(leaves)} starting materials in stock{rare}{protect}"
    )


def _class_name(step: dict[str, Any]) -> str:
    name = step.get("reaction_class_name") or "not recorded"
    return f"{name} (predicted)" if step.get("reaction_class_source") == "predicted" else name


def summary_table(data: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for i, r in enumerate(data.get("routes", []), 1):
        leaves = r.get("leaves") or []
        classes = sorted({_class_name(s) for s in r.get("steps", [])})
        rows.append(
            {
                "route": i,
                "steps": r.get("n_steps"),
                "longest linear sequence": r.get("longest_linear_sequence", r.get("depth")),
                "convergent": bool(r.get("convergent")),
                "score": r.get("score"),
                "solved": bool(r.get("solved")),
                "in stock": f"{sum(1 for x in leaves if x.get('in_stock'))} / {len(leaves)}",
                "reaction classes": ", ".join(classes),
                "rare templates": r.get("rare_steps", 0),
                "steps that may need protection": r.get("protection_steps", 0),
            }
        )
    return pd.DataFrame(rows)


def step_view(step: dict[str, Any], n: int, key: str, *, interactive: bool = True) -> None:
    """One reaction: diagram, class, score, template, precedents and (interactive) alternative disconnections."""
    score = float(step.get("score") or 0)
    st.markdown(f"**Step {n}** · {_class_label(step)} · score {score:.3f} · {generality(step)}")
    for line in protection_lines(step):
        st.markdown(line)
    try:
        show_svg(reaction_svg(tuple(step.get("reactants", [])), step["product"]))
    except ChemassistError as exc:
        st.code(f"{'.'.join(step.get('reactants', []))}>>{step.get('product')}")
        st.caption(str(exc))
    patents = step.get("patents") or []
    precedents = step.get("precedents") or []
    if patents or precedents:
        st.caption(
            f"Precedents: USPTO reactions recorded with template {step.get('template_id')} (patent numbers where "
            "USPTO-50k records them: its validation reactions; training reactions carry none)"
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "patent": p.get("patent") or "not recorded",
                        "reaction id": p.get("id"),
                        "reaction SMILES": p.get("reaction_smiles") or " | ".join(p.get("reactants", [])),
                    }
                    for p in [*patents, *precedents]
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    if interactive and st.toggle("Alternatives for this step", key=f"{key}_alt"):
        try:
            with st.spinner("Asking the single-step model…"):
                options = alternatives(step["product"])
        except ChemassistError as exc:
            st.error(str(exc), icon=":material/error:")
            return
        chosen = ".".join(step.get("reactants", []))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "precursors": ".".join(o["reactants"]),
                        "score": o["score"],
                        "reaction class": _class_name(o),
                        "template": o["template_id"],
                        "in this route": ".".join(o["reactants"]) == chosen,
                    }
                    for o in options
                ]
            ),
            hide_index=True,
            width="stretch",
        )


def leaves_view(route: dict[str, Any]) -> None:
    """Every starting material with its stock status and source."""
    leaves = route.get("leaves") or []
    if not leaves:
        return
    st.markdown("**Starting materials**")
    for leaf in leaves:
        st.markdown(f"{stock_badge(leaf)} `{leaf.get('smiles')}`")


def route_view(route: dict[str, Any], key: str, *, interactive: bool = True) -> None:
    steps = forward_steps(route)
    if not steps:
        st.caption("No steps: the target itself is in stock.")
    else:
        st.caption(f"{route_shape(route)} · score {route.get('score_text') or route.get('score')}")
    for n, step in enumerate(steps, 1):
        with st.container(border=True):
            step_view(step, n, f"{key}_s{n}", interactive=interactive)
    leaves_view(route)


def exports(data: dict[str, Any], route: dict[str, Any], i: int) -> None:
    """Download buttons: the route as JSON (with its search context) and as one SVG of all steps."""
    stem = f"route{i}_{(data.get('input') or data.get('target') or 'target')[:40]}"
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)
    context = {k: data.get(k) for k in ("input", "target", "algorithm", "model", "elapsed_s", "stop_reason")}
    left, right = st.columns(2)
    left.download_button(
        "Route as JSON",
        json.dumps(context | {"route": route}, indent=2),
        file_name=f"{stem}.json",
        mime="application/json",
        icon=":material/data_object:",
        key=f"syn_json_{i}",
        width="stretch",
    )
    try:
        svg = synthesis.route_svg(route)
    except ChemassistError as exc:
        right.caption(str(exc))
        return
    right.download_button(
        "Route as SVG",
        svg,
        file_name=f"{stem}.svg",
        mime="image/svg+xml",
        icon=":material/image:",
        key=f"syn_svg_{i}",
        width="stretch",
    )


def refusal_view(refusal: dict[str, Any]) -> None:
    lines = [
        f"- **{h['name']}** ({h['category'].replace('_', ' ')}, matched by {h['matched_by']}) — source: {h['source']}"
        for h in refusal.get("hits", [])
    ]
    body = "\n".join(lines) or refusal.get("reason", "")
    smiles = "" if refusal["smiles"] == refusal["target"] else f" (`{refusal['smiles']}`)"
    st.error(
        f"**Synthesis planning refused for “{refusal['target']}”**{smiles}: the safety screen flags it as a "
        f"controlled or highly hazardous substance.\n\n{body}\n\n"
        "chemassist does not plan syntheses of chemical-weapon agents, their precursors or explosives. For "
        "legitimate regulated work, follow your institution's controlled-substance procedures.",
        icon=":material/gpp_bad:",
    )
