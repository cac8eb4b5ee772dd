"""Verified design fixes (`cellrules suggest`): the smallest edits to a spec that the rules accept.

The pipeline, one module per step:

- `edits`: the edits a suggestion is made of (set a value, add an interlayer, swap a material), each
  safe or unsafe, each knowing its TOML edit;
- `patch`: the evaluator's value table for a spec with edits, re-resolving only the edited component;
- `judge`: the verdict a check would print (visible failures, status) straight from rule outcomes,
  so a rejected candidate never builds findings;
- `knobs`: continuous knobs (stack pressure, temperature, cut-off, thickness) found by bisection on
  the evaluator and rounded to a grid;
- `candidates`: the edits worth trying for a failing rule, from its inputs and its mitigations' classes;
- `search`: breadth-first over edit sets under an evaluation budget, reported when exhausted;
- `tomledit`: the edit written into the spec's own text, every other byte kept;
- `rank`, `evidence`, `model`, `render`: ordering, evidence, result values and their text/JSON.

The package is named `fixes` rather than `suggest` so that `cellrules.suggest` stays the API function.
This module holds only the defaults the command line shows, so `cellrules --help` imports nothing else.
"""

DEFAULT_BUDGET = 20_000       # evaluations: about a second at the evaluator's speed on one core
DEFAULT_MAX_EDITS = 3
