"""The rule language: parse (Lark -> attrs AST), check (names, units, cycles), compile (AST -> Python)."""
