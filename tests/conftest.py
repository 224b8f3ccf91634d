"""Shared fixtures. The `ecandidat` harness fixture comes from the package's pytest plugin."""
