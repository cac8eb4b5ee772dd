"""The engine: load a rule set, evaluate it per spec in dependency order, apply waivers."""
