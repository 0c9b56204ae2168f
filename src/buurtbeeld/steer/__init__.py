"""Steering (issue 16): the indicator framework, the data inventory and goals in six steps.

Between ``web``/``cli`` and ``analysis``/``platform``: state lives in the platform database
(``tables.py``, Alembic migration 0003), figures come from the cube (``store.Cube``) and the
catalogue. Pages are in ``web/steer_pages.py``.
"""
