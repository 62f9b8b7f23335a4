"""The web pages: server-rendered HTML beside the API, calling the same services."""
