"""The installed `kokuho` command: the layer's commands plus the local-only ones (demo, synth)."""
