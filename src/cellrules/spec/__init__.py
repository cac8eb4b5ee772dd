"""Cell specs: TOML with locations -> validated sections -> one flat, resolved value table."""
