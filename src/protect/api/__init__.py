"""The REST API (FastAPI): routes over the service layer. `protect.server.create_app` composes
it with the pages; `protect serve` runs that application with uvicorn."""
