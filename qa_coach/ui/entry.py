"""The app's entry script inside the package (used when the checkout's app.py is absent)."""

from qa_coach.ui.app import main

main()
