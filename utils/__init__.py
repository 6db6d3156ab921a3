"""Helpers for the lesson 7 notebooks: presets, datasets, results, figures and the runner."""
