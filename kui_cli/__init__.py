"""kui: the command-line tool of Den kommunale ungeindsats (KUI)."""

__version__ = "0.1.0"
