"""Maintainer commands: the runner, the site, benchmarks, the GPU check, the README table, the
prose-number check, the diagrams. They never import fastai (tests/test_tools.py): what needs it
runs in a child process, from utils/."""
