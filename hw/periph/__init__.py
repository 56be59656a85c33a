"""Memory-mapped peripherals: timer, console, finisher."""
