"""Synthesis page widgets: a route search as a background job, and routes drawn as reaction diagrams.

The search runs as a job of app.services.jobs (like app.ui.chat_job) so that the page can show its progress and
stop it; its result is read once as a typed ``tools.results.RouteSearchResult`` (what a ``route`` artifact
stores), and a route's words (summary, step facts, stock badges) are app.ui.artifacts', shared with the chat's
route card.
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
from app.services import sessions, synthesis
from app.services.accounts import Account
from app.services.jobs import Job, unexpected
from app.ui import artifacts
from app.ui.molecules import show_svg
from app.ui.text import escape
from tools import results

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchOptions:
    time_limit_s: float = 30.0
    max_depth: int = 6
    max_routes: int = 5
    algorithm: str = "best-first"
    use_zinc: bool = False
    stop_at_stock: bool = False


@dataclass(frozen=True)
class Refused:
    """The safety screen's refusal of a target: what was typed, its SMILES, why, and each list entry it matched
    (name, category, matched_by, source)."""

    target: str
    smiles: str
    reason: str
    hits: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """A finished search as the page shows it: its routes, the safety screen's refusal, or an error."""

    result: results.RouteSearchResult | None = None
    refusal: Refused | None = None
    error: str | None = None
    stopped: bool = False


@dataclass
class SearchJob:
    """One route search as a background job (app.services.jobs); ``result`` (typed), ``error`` or ``refusal``
    when done. Stop ends the search after its current expansion, with the routes found so far."""

    target: str
    options: SearchOptions
    progress: synthesis.SearchProgress | None = None
    refusal: Refused | None = None
    job: Job[results.RouteSearchResult | None] | None = field(default=None, repr=False)

    def start(self) -> SearchJob:
        self.job = Job(self._run, name="synthesis-search", describe_error=unexpected("The route search"))
        self.job.start()
        return self

    def _on_progress(self, progress: synthesis.SearchProgress) -> None:
        self.progress = progress

    def _run(self, job: Job[results.RouteSearchResult | None]) -> results.RouteSearchResult | None:
        o = self.options
        try:
            result = synthesis.search(
                self.target, time_limit_s=o.time_limit_s, max_iterations=1_000_000, max_routes=o.max_routes,
                max_depth=o.max_depth, algorithm=o.algorithm, use_zinc=o.use_zinc, stop_at_stock=o.stop_at_stock,
                progress=self._on_progress, stop=job.cancel_event,
            )  # fmt: skip
        except synthesis.TargetRefused as exc:
            self.refusal = Refused(self.target, exc.smiles, exc.reason, exc.hits)
            return None
        return typed(result.to_dict() | result.extra)

    @property
    def done(self) -> bool:
        return self.job is not None and self.job.finished

    @property
    def result(self) -> results.RouteSearchResult | None:
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

    def outcome(self) -> Outcome:
        """What the finished search left for the page to show."""
        return Outcome(self.result, self.refusal, self.error, self.stop_requested.is_set())


def typed(data: dict[str, Any]) -> results.RouteSearchResult:
    """The planner's ``SearchResult.to_dict()`` (with the input text and how it was read) as a typed result."""
    return results.RouteSearchResult.model_validate(data)


def session_molecules(account: Account, session_id: int) -> dict[str, str]:
    """Title -> canonical SMILES of each molecule saved in a research session (the page's target picker)."""
    found = {}
    for artifact in sessions.list_artifacts(account, session_id):
        molecule = results.stored(artifact.kind.value, artifact.payload)
        if isinstance(molecule, results.MoleculeResult) and molecule.canonical_smiles:
            found[artifact.title] = molecule.canonical_smiles
    return found


def save_routes(account: Account, session_id: int, result: results.RouteSearchResult) -> None:
    """Store a search's routes in a session as a ``route`` artifact (its typed JSON, as the chat stores one)."""
    title = f"Routes to {result.input or result.target}"
    sessions.add_artifact(account, session_id, "route", results.dump(result), title=title)


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


@st.cache_data(max_entries=128, show_spinner=False)
def alternatives(product: str, top_k: int = 8) -> list[results.RouteStep]:
    """Other one-step disconnections of ``product`` (the single-step model's top-k), read as route steps."""
    return [
        results.RouteStep.model_validate(s.to_dict()) for s in synthesis.single_step(product, top_k=top_k).suggestions
    ]


def summary_table(data: results.RouteSearchResult) -> pd.DataFrame:
    rows = []
    for i, r in enumerate(data.routes, 1):
        rows.append(
            {
                "route": i,
                "steps": r.step_count,
                "longest linear sequence": r.linear_length,
                "convergent": r.convergent,
                "score": r.score,
                "solved": r.solved,
                "in stock": f"{sum(1 for x in r.leaves if x.in_stock)} / {len(r.leaves)}",
                "reaction classes": ", ".join(sorted({s.class_text for s in r.steps})),
                "rare templates": r.rare_steps,
                "steps that may need protection": r.protection_steps,
            }
        )
    return pd.DataFrame(rows)


def step_view(step: results.RouteStep, n: int, key: str, *, interactive: bool = True) -> None:
    """One reaction: diagram, class, score, template, precedents and (interactive) alternative disconnections."""
    st.markdown(artifacts.step_header(step, n))
    for line in artifacts.protection_lines(step):
        st.markdown(line)
    try:
        show_svg(artifacts.reaction_svg(tuple(step.reactants), step.product))
    except ChemassistError as exc:
        st.code(f"{'.'.join(step.reactants)}>>{step.product}")
        st.caption(str(exc))
    if step.patents or step.precedents:
        st.caption(
            f"Precedents: USPTO reactions recorded with template {step.template_id} (patent numbers where "
            "USPTO-50k records them: its validation reactions; training reactions carry none)"
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "patent": p.patent or "not recorded",
                        "reaction id": p.id,
                        "reaction SMILES": p.reaction_smiles or " | ".join(p.reactants),
                    }
                    for p in [*step.patents, *step.precedents]
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    if interactive and st.toggle("Alternatives for this step", key=f"{key}_alt"):
        try:
            with st.spinner("Asking the single-step model…"):
                options = alternatives(step.product)
        except ChemassistError as exc:
            st.error(str(exc), icon=":material/error:")
            return
        chosen = ".".join(step.reactants)
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "precursors": ".".join(o.reactants),
                        "score": o.score,
                        "reaction class": o.class_text,
                        "template": o.template_id,
                        "in this route": ".".join(o.reactants) == chosen,
                    }
                    for o in options
                ]
            ),
            hide_index=True,
            width="stretch",
        )


def route_view(data: results.RouteSearchResult, route: results.Route, key: str, *, interactive: bool = True) -> None:
    """A route's steps in the order a chemist runs them, then its starting materials with their stock."""
    steps = route.forward_steps(data.target)
    if not steps:
        st.caption("No steps: the target itself is in stock.")
    else:
        st.caption(escape(artifacts.score_line(route)))
    for n, step in enumerate(steps, 1):
        with st.container(border=True):
            step_view(step, n, f"{key}_s{n}", interactive=interactive)
    artifacts.starting_materials(route)


def planned(route: results.Route) -> dict[str, Any]:
    """The route as the planner wrote it (``Route.to_dict()``): the keys it set, not the defaults this version adds."""
    return route.model_dump(mode="json", exclude_unset=True)


def route_json(data: results.RouteSearchResult, route: results.Route) -> str:
    """The route export: the search's context (input, target, algorithm, model, time, stop reason) and the route."""
    context = {
        "input": data.input or None,
        "target": data.target,
        "algorithm": data.algorithm,
        "model": data.model,
        "elapsed_s": data.elapsed_s,
        "stop_reason": data.stop_reason,
    }
    return json.dumps(context | {"route": planned(route)}, indent=2)


def exports(data: results.RouteSearchResult, route: results.Route, i: int) -> None:
    """Download buttons: the route as JSON (with its search context) and as one SVG of all steps."""
    stem = f"route{i}_{(data.input or data.target or 'target')[:40]}"
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)
    left, right = st.columns(2)
    left.download_button(
        "Route as JSON",
        route_json(data, route),
        file_name=f"{stem}.json",
        mime="application/json",
        icon=":material/data_object:",
        key=f"syn_json_{i}",
        width="stretch",
    )
    try:
        svg = synthesis.route_svg(planned(route))
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


def refusal_view(refusal: Refused) -> None:
    lines = [
        f"- **{h['name']}** ({h['category'].replace('_', ' ')}, matched by {h['matched_by']}) — source: {h['source']}"
        for h in refusal.hits
    ]
    body = "\n".join(lines) or refusal.reason
    smiles = "" if refusal.smiles == refusal.target else f" (`{refusal.smiles}`)"
    st.error(
        f"**Synthesis planning refused for “{refusal.target}”**{smiles}: the safety screen flags it as a "
        f"controlled or highly hazardous substance.\n\n{body}\n\n"
        "chemassist does not plan syntheses of chemical-weapon agents, their precursors or explosives. For "
        "legitimate regulated work, follow your institution's controlled-substance procedures.",
        icon=":material/gpp_bad:",
    )
