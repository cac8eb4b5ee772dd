"""Reports: each reads finished results and renders one format; none evaluates anything."""
