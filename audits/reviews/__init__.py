"""Management review (ISO 9001 9.3): planning a review and compiling its inputs from the data."""
