"""Rendering scorecards for people (text) and programs (JSON)."""
