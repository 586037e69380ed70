"""Server-rendered pages. Each page is drawn from the same service call as its /api/v1 twin."""
