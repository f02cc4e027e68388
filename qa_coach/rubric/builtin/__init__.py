"""The rubrics that ship with qa_coach: each ``NAME.yaml`` here loads by its name
(``qa-coach score --rubric NAME``), read with :mod:`importlib.resources`."""
