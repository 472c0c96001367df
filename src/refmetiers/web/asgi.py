"""The ASGI entry, for ``uvicorn refmetiers.web.asgi:app`` (settings from the environment)."""

from refmetiers.config import load_settings
from refmetiers.web import create_app

app = create_app(load_settings())
