"""Rubric files: their format (:mod:`.schema`, the one definition of it), reading them
into domain objects (:mod:`.loader`), running the example conversations they carry
(:mod:`.examples`), and the built-in rubrics (the ``builtin`` folder)."""
