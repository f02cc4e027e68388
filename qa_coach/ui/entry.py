"""The app's entry script inside the package (used when the checkout's app.py is absent)."""

from qa_coach.settings import set_thread_wait_policy

set_thread_wait_policy()  # before anything imports torch

from qa_coach.ui.app import main  # noqa: E402

main()
