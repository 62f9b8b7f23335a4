"""Reading and writing outside formats (CSV, JSON lines; later XES, OCEL)."""
