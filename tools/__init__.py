"""Maintainer commands: run as `python -m tools.<name>`. None of them imports fastai."""
