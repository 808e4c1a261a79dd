"""The query engine: checking, running and serialising queries, in worker processes or on a
remote endpoint. Nothing here knows HTTP requests, routes or pages."""
