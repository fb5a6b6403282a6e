"""The REST API under ``/api/v1``: FastAPI routers over the study service.

``trialdesk.api.app.create_app(settings)`` builds the application; see its docstring for
what it keeps on ``app.state``.
"""
