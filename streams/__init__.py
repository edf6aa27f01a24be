"""claimtrack's stream layer: corpus reading, the pure extraction and versioning
core, the replay producer, the faust stream processors, the projector and the CLI."""
