from tests.support.ai import *  # noqa: F403
