"""Narrative Coach: the Streamlit router. Every page lives in ``ui/``; nothing else is here.

streamlit run app.py        (or: python3 dev.py app)
"""

from pathlib import Path

import streamlit as st

# A file of ours: a ":material/…:" page icon makes the browser fetch it from fonts.gstatic.com
st.set_page_config(
    page_title="Narrative Coach",
    page_icon=str(Path(__file__).parent / "ui" / "icon.png"),
    layout="wide",
)

pages = {
    "Write": [
        st.Page(
            "ui/pages/write_score.py",
            title="Write & score",
            icon=":material/edit_note:",
            default=True,
        ),
        st.Page(
            "ui/pages/build.py",
            title="Build my story",
            icon=":material/construction:",
            url_path="build",
        ),
        st.Page(
            "ui/pages/rehearse.py", title="Rehearse", icon=":material/mic:", url_path="rehearse"
        ),
    ],
    "Train": [
        st.Page(
            "ui/pages/review.py",
            title="Workshop review",
            icon=":material/groups:",
            url_path="review",
        ),
    ],
    "Set up": [
        st.Page(
            "ui/pages/library.py",
            title="Library",
            icon=":material/local_library:",
            url_path="library",
        ),
        st.Page(
            "ui/pages/settings_page.py",
            title="Settings",
            icon=":material/settings:",
            url_path="settings",
        ),
        st.Page(
            "ui/pages/account.py", title="Account", icon=":material/person:", url_path="account"
        ),
    ],
}
from ui import components, resources  # noqa: E402 — after set_page_config, which comes first

resources.warm_up(resources.base_settings())  # models and library load while the page paints
with st.sidebar:
    components.keep_typed_text()  # a link clicked straight from a text box keeps the text
st.navigation(pages).run()
