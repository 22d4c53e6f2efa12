"""The bottom layer: settings, domain error types and the local clock. Imports nothing of ours."""
