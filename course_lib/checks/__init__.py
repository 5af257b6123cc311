"""Exercise checks, one module per notebook (``nb01_models.py``, ...).

Each module registers its checks with ``@exercise("id")`` from
:mod:`course_lib.exercises`; ``registered_checks()`` imports them all.
"""
