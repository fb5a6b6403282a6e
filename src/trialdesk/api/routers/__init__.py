"""API routers, one module per area; ``trialdesk.api.app.ROUTERS`` lists them."""
