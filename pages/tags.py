"""Tag catalogue: create (name, colour, description), rename, recolour, delete after confirming."""

import streamlit as st

from c360 import tags
from c360.errors import C360Error
from c360.permissions import Permission
from c360.ui.auth import require_actor
from c360.ui.db import engine
from c360.ui.tags import chips, forget_cached_tag_lists

actor = require_actor(Permission.MANAGE_TAGS)
db = engine()
st.title("Tags")

message = st.session_state.pop("c360_tags_flash", None)
if message:
    st.success(message)


def done(text: str) -> None:
    forget_cached_tag_lists()
    st.session_state["c360_tags_flash"] = text
    st.rerun()


colours = list(tags.PALETTE)
catalogue = tags.list_tags(db)
usage = tags.tag_usage(db)

with st.form("create_tag", clear_on_submit=True):
    st.subheader("New tag")
    name = st.text_input("Name", max_chars=tags.MAX_NAME)
    colour = st.selectbox("Colour", colours, format_func=str.title)
    description = st.text_input("Description", max_chars=tags.MAX_DESCRIPTION)
    if st.form_submit_button("Create tag", type="primary"):
        try:
            created = tags.create_tag(actor, db, name, colour, description)
        except C360Error as exc:
            st.error(str(exc))
        else:
            done(f"Created tag “{created.name}”. It can be used as a search filter right away.")

st.subheader(f"Catalogue ({len(catalogue)} tags)")
if not catalogue:
    st.caption("No tags yet.")
for tag in catalogue:
    with st.container(border=True):
        left, right = st.columns([3, 2])
        with left:
            chips([tag])
            st.caption(
                f"{tag.description or 'No description'} · on {usage.get(tag.id, 0):,} customers"
            )
        with right, st.popover("Edit"):
            with st.form(f"edit_tag_{tag.id}"):
                new_name = st.text_input("Name", tag.name, max_chars=tags.MAX_NAME)
                current = tags.palette_name(tag.color)
                new_colour = st.selectbox(
                    "Colour", colours, index=colours.index(current), format_func=str.title
                )
                new_description = st.text_input(
                    "Description", tag.description, max_chars=tags.MAX_DESCRIPTION
                )
                if st.form_submit_button("Save"):
                    try:
                        tags.update_tag(
                            actor,
                            db,
                            tag.id,
                            name=new_name,
                            color=new_colour if new_colour != current else None,
                            description=new_description,
                        )
                    except C360Error as exc:
                        st.error(str(exc))
                    else:
                        done(f"Saved tag “{new_name.strip()}”.")
            count = usage.get(tag.id, 0)
            sure = st.checkbox(
                f"Yes, delete “{tag.name}” and remove it from {count:,} customers",
                key=f"confirm_delete_tag_{tag.id}",
            )
            if st.button("Delete tag", key=f"delete_tag_{tag.id}", disabled=not sure):
                try:
                    tags.delete_tag(actor, db, tag.id)
                except C360Error as exc:
                    st.error(str(exc))
                else:
                    done(f"Deleted tag “{tag.name}”.")
