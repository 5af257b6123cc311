"""Checks for notebooks/13_production_settings.ipynb.

Every check works on a scratch database of its own (:func:`check_database`) and probes
behaviour with real server connections: ``nb13-pool-size`` holds connections from the
learner's engine and counts them in ``pg_stat_activity`` (the engine's URL carries an
``application_name`` the check looks for); ``nb13-statement-timeout`` runs queries through the
learner's function on a one-connection pool, so a setting that outlives its transaction shows on
the next checkout; ``nb13-reconnect`` terminates the pooled connection on the server
(``pg_terminate_backend``) before the learner's function uses it.
"""

# importing each exercise's module registers its check
from course_lib.checks.nb13_production_settings import ex1_pool_size, ex2_statement_timeout, ex3_reconnect

__all__ = ["ex1_pool_size", "ex2_statement_timeout", "ex3_reconnect"]
