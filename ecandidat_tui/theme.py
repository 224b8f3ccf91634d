"""The institution's Textual themes: the default one and a high-contrast one.

`settings.theme` picks any registered theme by name (`ansi-dark` or
`ansi-light` for terminals with 16 colours only; `textual-ansi` is accepted
as an alias); `settings.high_contrast` selects `ecandidat-contraste`.
"""

from __future__ import annotations

from textual.app import App
from textual.theme import Theme

ECANDIDAT = Theme(
    name="ecandidat",
    primary="#1f4e8c",
    secondary="#2b7bb9",
    accent="#f0a500",
    success="#2e8540",
    warning="#c77700",
    error="#c0392b",
    foreground="#e8edf3",
    background="#101820",
    surface="#17222e",
    panel="#1d2b3a",
    dark=True,
)

ECANDIDAT_CONTRAST = Theme(
    name="ecandidat-contraste",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ffffff",
    success="#00ff00",
    warning="#ffaa00",
    error="#ff5555",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1a1a1a",
    dark=True,
)


# Poor terminals: Textual's ANSI themes use the terminal's own 16 colours.
# Older names people find in Textual's docs map to the current one.
THEME_ALIASES = {"ansi": "ansi-dark", "textual-ansi": "ansi-dark"}


def theme_name(requested: str, high_contrast: bool, available: set[str] | dict) -> str:
    """The theme the settings ask for: high contrast wins, unknown names fall back."""
    if high_contrast:
        return ECANDIDAT_CONTRAST.name
    name = THEME_ALIASES.get(requested, requested)
    return name if name in available else ECANDIDAT.name


def preset_themes(app: App) -> None:
    """Register the themes and select the settings' one from the app's `__init__`.

    Setting `app.theme` makes Textual restyle the app (`refresh_css`, which
    parses the whole stylesheet again). Before the stylesheet is first read
    that is wasted, so the theme is set without its watcher
    (`set_reactive`, Textual's documented way) and the rest of what the
    watcher does is done here: the theme classes and the CSS variables. The
    watcher also maps the terminal's 16 ANSI colours for a light or a dark
    theme; the app was built for a dark one, so a light theme (`ansi-light`)
    goes through the watcher, and pays for the extra parse.
    """
    app.register_theme(ECANDIDAT)
    app.register_theme(ECANDIDAT_CONTRAST)
    settings = getattr(app, "settings", None)
    name = (ECANDIDAT.name if settings is None
            else theme_name(settings.theme, settings.high_contrast, app.available_themes))
    theme = app.get_theme(name)
    if theme is None or theme.dark != app.current_theme.dark:
        app.theme = name
        return
    app.set_reactive(App.theme, name)
    classes = {c: False for c in app.classes if c.startswith("-theme-")}
    classes.update({f"-theme-{theme.name}": True, "-dark-mode": theme.dark, "-light-mode": not theme.dark})
    app.update_classes(classes, update=False)
    app.stylesheet.set_variables(app.get_css_variables())
