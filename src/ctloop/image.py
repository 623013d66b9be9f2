"""The one container image every ctloop component runs in.

The reference is derived from the package version, so a compiled pipeline and the image built
from the same commit always match. A private registry is chosen at compile time
(``ctloop compile --image``), never through an environment variable read at import.
"""

from ctloop._version import __version__

IMAGE_REPOSITORY = "ghcr.io/ctloop/ctloop"
DEFAULT_IMAGE = f"{IMAGE_REPOSITORY}:{__version__}"
# The serving runtime image (KServe model server + exactly the training scikit-learn).
SERVING_IMAGE_REPOSITORY = "ghcr.io/ctloop/ctloop-serving"
DEFAULT_SERVING_IMAGE = f"{SERVING_IMAGE_REPOSITORY}:{__version__}"

__all__ = ["IMAGE_REPOSITORY", "DEFAULT_IMAGE", "SERVING_IMAGE_REPOSITORY", "DEFAULT_SERVING_IMAGE"]
