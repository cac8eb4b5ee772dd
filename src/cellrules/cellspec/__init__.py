"""Cell specs: the TOML format users write, validated (load), and resolved against the knowledge base (resolve)."""
