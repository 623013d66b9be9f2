"""Cluster operations: cron validation, the ``ctloop.yaml`` spec, and the KFP API (upload,
experiments, recurring runs, runs) through ``kfp.Client``."""
