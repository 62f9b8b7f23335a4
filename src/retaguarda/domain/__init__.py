"""The pure core: no I/O, no clock reads, no settings. Time is always an argument."""
