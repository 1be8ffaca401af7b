"""The files of the page at ``/__admin/ui/`` (``adminui.py`` serves them): plain HTML, one
script and one style sheet, shipped in the package; no build step, nothing from another host."""
