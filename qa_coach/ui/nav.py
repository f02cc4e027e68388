"""Which pages each role sees, and the st.Page objects the router made this run."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

import streamlit as st

from qa_coach.domain.people import UserRole

STAFF = (UserRole.ADMIN, UserRole.REVIEWER, UserRole.COACH)
EVERYONE = tuple(UserRole)


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    icon: str
    section: str
    roles: tuple[UserRole, ...]
    module: str  # qa_coach.ui.pages.<module>.render


PAGES = (
    PageSpec("overview", "Team overview", ":material/monitoring:", "Team", STAFF, "overview"),
    PageSpec("queue", "Review queue", ":material/checklist:", "Team", (UserRole.ADMIN, UserRole.REVIEWER), "queue"),
    PageSpec("disputes", "Disputes inbox", ":material/gavel:", "Team", (UserRole.ADMIN, UserRole.REVIEWER),
             "disputes_inbox"),
    PageSpec("import", "Import", ":material/upload_file:", "Team", STAFF, "imports"),
    PageSpec("mine", "My interactions", ":material/person:", "Me", (UserRole.REPRESENTATIVE,), "mine"),
    PageSpec("interactions", "Interactions", ":material/manage_search:", "Interactions", EVERYONE, "interactions"),
    PageSpec("interaction", "Interaction", ":material/forum:", "Interactions", EVERYONE, "interaction"),
    PageSpec("progress", "Representative progress", ":material/trending_up:", "Coaching", EVERYONE, "progress"),
    PageSpec("coaching", "Coaching", ":material/school:", "Coaching", (UserRole.ADMIN, UserRole.COACH), "coaching"),
    PageSpec("calibration", "Calibration", ":material/balance:", "Quality", STAFF, "calibration"),
    PageSpec("rubrics", "Rubrics", ":material/rule:", "Quality", STAFF, "rubrics"),
    PageSpec("admin", "Admin", ":material/admin_panel_settings:", "Admin", (UserRole.ADMIN,), "admin"),
    PageSpec("account", "My account", ":material/key:", "Me", EVERYONE, "account"),
)
BY_KEY = {p.key: p for p in PAGES}
_PAGE_OBJECTS_KEY = "qa_page_objects"


def pages_for(role: str) -> list[PageSpec]:
    return [p for p in PAGES if role in p.roles]


def renderer(key: str) -> Callable[[], None]:
    spec = BY_KEY[key]
    module = importlib.import_module(f"qa_coach.ui.pages.{spec.module}")
    return module.render


def run_page(key: str) -> None:
    """Render one page for the signed-in user; a role the page is not for sees why."""
    from qa_coach.ui.components import plain_errors
    from qa_coach.ui.context import current_user
    from qa_coach.ui.flash import show as show_done

    user = current_user()
    spec = BY_KEY[key]
    if user is None:
        st.warning("Please sign in.")
        return
    if user.role not in spec.roles:
        st.error(f"Not allowed: the {spec.title} page is not for the {user.role} role.", icon="🚫")
        return
    st.title(spec.title)
    show_done()  # what the write that caused this run did
    with plain_errors():
        renderer(key)()


def navigation_pages(role: str) -> dict[str, list]:
    """st.Page objects grouped by section, the first being the default page."""
    sections: dict[str, list] = {}
    objects = {}
    for i, spec in enumerate(pages_for(role)):
        page = st.Page(_page_function(spec.key), title=spec.title, icon=spec.icon, url_path=spec.key, default=i == 0)
        sections.setdefault(spec.section, []).append(page)
        objects[spec.key] = page
    st.session_state[_PAGE_OBJECTS_KEY] = objects
    return sections


def page_object(key: str):
    return st.session_state.get(_PAGE_OBJECTS_KEY, {}).get(key)


def key_of(page) -> str | None:
    """The key of a page st.navigation returned (None: not one of this run's pages)."""
    return next((k for k, p in st.session_state.get(_PAGE_OBJECTS_KEY, {}).items() if p is page), None)


def _page_function(key: str) -> Callable[[], None]:
    def page() -> None:
        run_page(key)

    page.__name__ = f"page_{key}"
    return page
