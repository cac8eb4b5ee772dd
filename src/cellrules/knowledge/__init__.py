"""The knowledge base: what the names in a spec are, with every value's source."""
