"""qa_coach's Streamlit app: a router only (run it with `qa-coach app`)."""

from qa_coach.settings import set_thread_wait_policy

set_thread_wait_policy()  # before anything imports torch

from qa_coach.ui.app import main  # noqa: E402

main()
