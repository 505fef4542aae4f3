"""``python -m democarrier``: the demo carrier service on DEMO_CARRIER_HOST:DEMO_CARRIER_PORT."""

from __future__ import annotations

import logging

import uvicorn

from delivery.settings import load_settings
from democarrier.app import create_app
from democarrier.settings import load_demo_settings


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings()
    demo = load_demo_settings()
    uvicorn.run(create_app(settings, demo), host=demo.host, port=demo.port, log_level="info")


if __name__ == "__main__":
    main()
