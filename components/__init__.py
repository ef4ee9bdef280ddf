"""ComponentResources and pure helpers for the exo-cba Pulumi program."""
