"""The web layer: the app, its routes, the error mapping, the edge layers and `kg serve`."""
