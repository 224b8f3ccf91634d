"""The institution's Textual themes: the default one and a high-contrast one."""

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


def register_themes(app: App) -> None:
    app.register_theme(ECANDIDAT)
    app.register_theme(ECANDIDAT_CONTRAST)
    settings = getattr(app, "settings", None)
    if settings is not None and settings.high_contrast:
        app.theme = ECANDIDAT_CONTRAST.name
    elif settings is not None and settings.theme in app.available_themes:
        app.theme = settings.theme
    else:
        app.theme = ECANDIDAT.name
