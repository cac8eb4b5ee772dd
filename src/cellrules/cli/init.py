"""`cellrules init [PATH]`: write a commented template spec to start a design from.

The template is itself a valid spec (a garnet cell with a coated NMC811
cathode) that `cellrules check` accepts, with every optional field present as a
comment, so a new user edits values instead of looking up key names. An
existing file is never overwritten: it may be someone's design. `init -`
prints the template to standard output instead.
"""
from __future__ import annotations

import os
import sys

from cellrules.errors import UsageError

DEFAULT_NAME = "cell.toml"
STDOUT = "-"

TEMPLATE = """\
# A cell spec for cellrules: check it with `cellrules check {name}`.
# The format is described in the README ("The spec format"); quantities are strings
# with units ("5 MPa"), potentials name their reference ("4.3 V vs Li/Li+").
# Materials are knowledge-base names, aliases or formulas; a new material is
# declared with custom = true and its properties. What is left out is unknown,
# never assumed good: the rules that need it report `unknown` and name it.
spec_version = 1

[cell]
name = "Li | LLZO | LiNbO3@NMC811 (template: edit me)"   # required, free text
carrier = "Li"                 # required: Li, Na, K, Mg, Zn, Al or Ca
temperature = "25 degC"        # operating temperature
stack_pressure = "5 MPa"
# architecture = "bulk"        # bulk | thin-film
# current_density = "0.5 mA/cm^2"
# areal_capacity = "2 mAh/cm^2"
# cycles = 500                 # claimed or target cycle life
# coulombic_efficiency = 0.998 # a fraction, 0-1
# sintering_temperature = "600 degC"  # if cathode and electrolyte are co-sintered
# nucleation_overpotential = "40 mV"   # measured plating spike (magnitude)
# plateau_overpotential = "15 mV"      # measured plating plateau that follows
# source = "where this design comes from"

[anode]
material = "Li"                # metal, alloy (Li-In), graphite, ...
thickness = "20 um"
# kind = "metal"               # metal | alloy | intercalation | anode-free
# Any knowledge-base property may be overridden, e.g.
# shear_modulus = "4.2 GPa"

[electrolyte]
material = "LLZO"              # a knowledge-base name, alias or formula
thickness = "50 um"
# custom = true                # a new material: give state, class and its properties
# ionic_conductivity = "0.5 mS/cm"
# transference_number = 0.4    # carrier-ion transference number (polymers, gels)
# electronic_conductivity = "1e-9 S/cm"
# shear_modulus = "60 GPa"
# window = {{ low = "0.05 V", high = "2.9 V", vs = "Li/Li+" }}

[cathode]
material = "NMC811"
potential = "4.3 V vs Li/Li+"  # upper operating potential (charge cut-off)

[[interlayer]]                 # buffer layers, coatings, artificial SEIs: any number
material = "LiNbO3"
between = ["cathode", "electrolyte"]
thickness = "5 nm"

# [sei]
# components = ["LiF", "Li3N"]
# thickness = "15 nm"

# [current_collector]
# anode = "Cu"
# anode_thickness = "10 um"    # thin films (anode-free, thin-film cells) add plating overpotential
# cathode = "Al"

# A known, accepted failure (any number); the reason is required:
# [[waiver]]
# rule = "mechanics.shear-modulus-ratio"
# reason = "why this failure is accepted"
# expires = 2027-06-30         # a TOML date, no quotes; optional
"""


def register(commands) -> None:
    parser = commands.add_parser("init", help="write a commented template spec")
    parser.add_argument("path", nargs="?", default=DEFAULT_NAME, metavar="PATH",
                        help=f"the spec to write (default {DEFAULT_NAME}; in a directory, DIR/{DEFAULT_NAME}; "
                             "- prints it to standard output)")
    parser.set_defaults(run=run)


def run(args) -> int:
    if args.path == STDOUT:
        sys.stdout.write(render_template("FILE"))
        return 0
    path = os.path.join(args.path, DEFAULT_NAME) if os.path.isdir(args.path) else args.path
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise UsageError(f"no such directory: {folder}", hint="create it first, or give another PATH")
    try:
        with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite
            handle.write(render_template(path))
    except FileExistsError:
        raise UsageError(f"{path} already exists; not overwriting it", hint="give another PATH") from None
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
    sys.stderr.write(f"wrote {path}; check it with `cellrules check {path}`\n")
    return 0


def render_template(path: str = DEFAULT_NAME) -> str:
    return TEMPLATE.format(name=path)
