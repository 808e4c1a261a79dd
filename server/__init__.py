"""The dispute-kg server, in layers (a module imports only from its own layer or below;
tests/test_layers.py checks it):

1. base: server.settings (the settings), server.failures (the error type);
2. engine: where queries run, knowing nothing of HTTP or pages: server.engine (the query's
   reading and check, the worker pool, backends, federation, client limits, formats);
3. views: what each page shows, computed through the query service (server.views.service)
   without HTTP;
4. web: the FastAPI app, its routes, errors, edge layers, HTTP server and `kg serve`.
"""
