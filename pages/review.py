"""Feedback review page (instructors and admins): read feedback with its question and answer, correct it, mark it
reviewed, and download the reviewed examples as fine-tuning data."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import streamlit as st

from app.errors import ChemassistError
from app.services import access, review
from app.ui import auth, text

account = auth.require_account()
st.title("Feedback review")
if not access.can_review(account):
    st.error("Only instructors and administrators can review feedback.")
    st.stop()
st.caption(
    "Reviewed feedback becomes fine-tuning data for the specialist models: the correction replaces the answer "
    "when there is one; thumbs-down answers without a correction are left out. A correction of an offline-mode "
    "answer goes to the role the router gives its question; offline template answers themselves never do."
)

if flash := st.session_state.pop("review_flash", None):
    (st.error if flash[0] == "error" else st.success)(text.escape(flash[1]))


def _attempt(action: Callable[[], object], success: str) -> None:
    try:
        action()
    except ChemassistError as exc:
        st.session_state["review_flash"] = ("error", str(exc))
    else:
        st.session_state["review_flash"] = ("success", success)
    st.rerun()


col_status, col_rating = st.columns(2, vertical_alignment="bottom")
col_role, col_dates = st.columns(2, vertical_alignment="bottom")
status = col_status.segmented_control("Show", ["Unreviewed", "Reviewed", "All"], default="Unreviewed", key="rv_status")
rating_label = col_rating.segmented_control("Rating", ["All", "Helpful", "Not helpful"], default="All", key="rv_rating")
role = col_role.selectbox("Model role", ["any", *review.MODEL_ROLES], key="rv_role")
today = datetime.now(UTC).date()
dates = col_dates.date_input("Given between", value=(today - timedelta(days=90), today), key="rv_dates")
since, until = (dates[0], dates[1] + timedelta(days=1)) if len(dates) == 2 else (None, None)

items = review.list_feedback(
    account,
    status=(status or "Unreviewed").lower(),  # type: ignore[arg-type]
    rating={"Helpful": 1, "Not helpful": -1}.get(rating_label or "All"),
    role=None if role == "any" else role,
    since=since,
    until=until,
)
st.markdown(f"**{len(items)}** feedback item(s)")
if not items:
    st.info("Nothing to review with these filters.")

for item in items:
    with st.container(border=True, key=f"feedback_{item.feedback_id}"):
        thumb = ":material/thumb_up:" if item.rating > 0 else ":material/thumb_down:"
        badge = f":green-badge[reviewed by {item.reviewed_by}]" if item.reviewed else ":orange-badge[unreviewed]"
        st.markdown(
            f"{thumb} **{text.escape(item.session_title)}** · by {text.code(item.author)} · "
            f"{item.created_at:%Y-%m-%d %H:%M} UTC · {text.escape(item.model or 'unknown model')} "
            f"(role: {item.model_role or 'none'}) {badge}"
        )
        left, right = st.columns(2)
        with left:
            st.markdown("**Question**")
            st.markdown("> " + (text.escape(item.question) if item.question else "_(no question found)_"))
            st.markdown("**Answer**")
            with st.container(height=220):
                st.markdown(text.protect_chemistry(item.answer))
        with right:
            st.markdown("**Comment**")
            st.markdown(text.escape(item.comment) if item.comment else "_(none)_")
            with st.form(f"review_{item.feedback_id}", border=False):
                correction = st.text_area(
                    "Correction (the right answer; used instead of the answer for fine-tuning)",
                    value=item.correction or "",
                    key=f"correction_{item.feedback_id}",
                )
                save, save_reviewed = st.columns(2)
                if save.form_submit_button("Save correction"):
                    _attempt(partial(review.set_correction, account, item.feedback_id, correction), "Correction saved.")
                if save_reviewed.form_submit_button("Save and mark reviewed", type="primary"):
                    _attempt(
                        partial(review.set_correction, account, item.feedback_id, correction, reviewed=True),
                        "Marked reviewed.",
                    )
            if item.reviewed and st.button("Mark unreviewed", key=f"unreview_{item.feedback_id}"):
                _attempt(partial(review.mark_reviewed, account, item.feedback_id, False), "Marked unreviewed.")

st.divider()
st.subheader("Fine-tuning data")
st.caption(
    "Reviewed examples in OpenAI chat format (system, user, assistant) with an Axolotl QLoRA config. "
    "The same as `chemassist export finetune --role ROLE --since DATE -o FILE.jsonl`."
)
col_ft_role, col_ft_since = st.columns(2)
ft_role = col_ft_role.selectbox("Answers of the model role", review.CHAT_ROLES, key="ft_role")
ft_since = col_ft_since.date_input("Feedback given since", value=today - timedelta(days=365), key="ft_since")
found = review.finetune_examples(ft_role, since=ft_since, actor=account)
left_out = ", ".join(f"{n} × {reason}" for reason, n in found.skipped.items())
st.markdown(f"**{len(found.examples)}** example(s)" + (f" · left out: {left_out}" if left_out else ""))
name = f"chemassist-{ft_role}-{ft_since:%Y%m%d}"
col_jsonl, col_yaml = st.columns(2)
col_jsonl.download_button(
    "Download JSONL",
    data=review.to_jsonl(found.examples),
    file_name=f"{name}.jsonl",
    mime="application/jsonl",
    icon=":material/download:",
    disabled=not found.examples,
    on_click="ignore",
)
col_yaml.download_button(
    "Download QLoRA config (Axolotl)",
    data=review.axolotl_yaml(ft_role, f"{name}.jsonl"),
    file_name=f"{name}.axolotl.yaml",
    mime="application/yaml",
    icon=":material/settings:",
    disabled=not found.examples,
    on_click="ignore",
)
