"""qa_coach's Streamlit app: a router only (run it with `qa-coach app`)."""

from qa_coach.ui.app import main

main()
