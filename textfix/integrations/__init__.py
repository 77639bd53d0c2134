"""Adapters that run textfix inside other tools' pipelines.

Each adapter lives in its own module and imports its tool only there, so
``import textfix`` never needs them: ``textfix.integrations.datatrove`` needs
the ``datatrove`` extra (``pip install 'textfix[datatrove]'``).
"""
