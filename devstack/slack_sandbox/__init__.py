"""A local Slack: Web API methods, signed Events API delivery, and admin endpoints.

>>> from devstack.slack_sandbox import SandboxConfig, create_app
>>> app = create_app(SandboxConfig(signing_secret="secret", bot_token="xoxb-test"))
"""

from .app import SANDBOX_KEY, create_app
from .config import SandboxConfig

__all__ = ["SANDBOX_KEY", "SandboxConfig", "create_app"]
