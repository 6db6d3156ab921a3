"""Offline stand-ins for the lesson's datasets: one module per dataset, each with `build(dest)`."""
