"""Pure rules of the order: no I/O, no clock calls, no imports from the rest of the project."""
