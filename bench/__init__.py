"""Benchmarks of Nudge: ``python -m bench [--small]`` (see ``bench/__main__.py``)."""
