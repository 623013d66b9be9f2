"""Serving on KServe: InferenceService objects and patches built by pure functions."""
