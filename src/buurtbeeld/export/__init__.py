"""Reports and exports rendered from what the web shows (DESIGN §6): no queries of their own."""
