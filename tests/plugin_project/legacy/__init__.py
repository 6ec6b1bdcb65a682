"""Imported by a plugin before the import hook is installed: reported, not traced."""


def old_style(x):
    return x + 1
