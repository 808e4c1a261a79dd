"""What the pages and documents show, each computed from the query service (no HTTP)."""
