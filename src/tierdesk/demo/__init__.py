"""Demo data, an app of its own above every app whose services it uses: ``loader`` builds it.

Empty on purpose: Django imports this package before any model is ready.
"""
