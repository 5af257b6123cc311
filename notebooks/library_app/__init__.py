"""A small application package for 01_models: table models split across modules.

``library_app.models`` holds one model per module, with relationships between them;
``library_app.pitfalls`` holds two ways of getting that wrong, which 01 runs.
"""
