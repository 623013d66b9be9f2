"""ctloop components. Each ``<name>/core.py`` is KFP-free; each ``<name>/component.py`` declares
the KFP interface. This package imports nothing itself, so importing a core stays cheap."""
