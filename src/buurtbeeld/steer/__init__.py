"""Steering (issue 16): what a gemeente does with the figures.

The indicator framework, the data inventory, goals in six steps, duiding and the doorbraken
register. Between ``web``/``cli`` and ``analysis``/``platform``: state lives in the platform
database (``tables.py``, Alembic migrations), figures come from the cube (``store.Cube``) and the
catalogue, small counts go through disclosure control. Pages are in ``web/steer_pages.py``, ``web/steer_goal_pages.py``,
``web/duiding_pages.py`` and ``web/doorbraken_pages.py``.
"""
