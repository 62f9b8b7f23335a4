"""retaguarda: a customer-service back office run from an append-only event log."""

__version__ = "0.1.0"
