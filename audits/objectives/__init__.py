"""Quality objectives (ISO 9001 6.2): what each site and department means to achieve, measured."""
