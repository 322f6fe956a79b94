"""chaoslab's Chaos Toolkit extension: see chaoslab.faults."""
