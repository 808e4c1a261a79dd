"""The engine's formats under their former module name, for the engine modules that still
import it (server.evaluate, server.backend); server.engine.formats is the module."""

from server.engine.formats import *  # noqa: F403
from server.engine.formats import OX_FORMATS as OX_FORMATS
