"""Two broken variants of ``library_app.models``, for 01_models to run. Not for use."""
