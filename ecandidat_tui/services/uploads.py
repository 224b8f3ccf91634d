"""Checks a file a candidate picked before anything is stored.

A path must resolve (symlinks followed) inside one of the allowed upload
roots, be a regular readable non-empty file under the size cap, and be a
PDF, JPEG or PNG by its content (magic bytes, never the name). The type of
the file is checked with `lstat`/`stat` *before* it is opened, and it is
opened with O_NONBLOCK, so a FIFO or a device can never hang the kiosk.
Also gives a file's preview facts (pages, image size) within memory and
time limits (pypdf, Pillow). The name kept for display is `safe_text` of the
file's name: no control, no bidi override.
"""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import os
import stat
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..display import safe_text
from .errors import DomainError

MIME_PDF = "application/pdf"
MIME_JPEG = "image/jpeg"
MIME_PNG = "image/png"
TYPE_LABELS = {MIME_PDF: "PDF", MIME_JPEG: "Image JPEG", MIME_PNG: "Image PNG"}
CHUNK = 64 * 1024
FIELD = "file"


class UploadRefused(DomainError):
    """The chosen file cannot be used as a pièce justificative."""

    def __init__(self, message: str) -> None:
        super().__init__(message, FIELD)


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check, with its bytes read once; `name` is safe to show."""

    path: Path
    name: str
    mime: str
    size: int
    sha256: str
    data: bytes


@dataclass(frozen=True)
class FileFacts:
    """What a preview shows about a stored file."""

    name: str
    mime: str
    type_label: str
    size: int
    size_label: str
    pages: int | None = None
    width: int | None = None
    height: int | None = None

    @property
    def details(self) -> str:
        if self.mime == MIME_PDF:
            return f"{self.pages} page(s)" if self.pages else "nombre de pages inconnu"
        if self.width and self.height:
            return f"{self.width} × {self.height} pixels"
        return "dimensions inconnues"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} octets"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} Ko".replace(".", ",")
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


def sniff_mime(head: bytes) -> str | None:
    """The type of a file from its first bytes, or None."""
    if head.startswith(b"%PDF-"):
        return MIME_PDF
    if head.startswith(b"\xff\xd8\xff"):
        return MIME_JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MIME_PNG
    return None


def root_of(path: Path, roots: Iterable[Path]) -> Path | None:
    """The (real) upload root `path` (a real path) lies in, or None."""
    for root in roots:
        try:
            real_root = Path(os.path.realpath(root))
        except OSError:
            continue
        if path == real_root or real_root in path.parents:
            return real_root
    return None


_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_FILE_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _open_below(root: Path | None, real: Path, name: str) -> int:
    """Open `real` from its upload root down, one folder at a time, following no link.

    `real` was checked to lie in `root`, but a folder of it may be swapped for
    a symbolic link to elsewhere before the file is opened: opening each
    component relative to its parent's descriptor with O_NOFOLLOW refuses
    such a link instead of reading a file from outside the roots.
    """
    if root is None:  # checked by the caller; kept for the type checker
        raise UploadRefused(f"« {name} » est en dehors des dossiers autorisés.")
    changed = UploadRefused(f"« {name} » a changé pendant la vérification (un dossier a été remplacé "
                            "par un lien) : choisissez-le de nouveau.")
    parts = real.relative_to(root).parts
    if not parts:
        raise UploadRefused(f"« {name} » est un dossier : choisissez un fichier.")
    try:
        fd = os.open(root, _DIR_FLAGS)
    except OSError:
        raise UploadRefused(f"Le fichier « {name} » ne peut pas être ouvert.") from None
    try:
        for part in parts[:-1]:
            try:
                child = os.open(part, _DIR_FLAGS | _NOFOLLOW, dir_fd=fd)
            except OSError:
                raise changed from None
            os.close(fd)
            fd = child
        try:
            return os.open(parts[-1], _FILE_FLAGS, dir_fd=fd)
        except PermissionError:
            raise UploadRefused(f"Le fichier « {name} » n'est pas lisible (droits insuffisants).") from None
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOENT, errno.ENOTDIR):
                raise changed from None
            raise UploadRefused(f"Le fichier « {name} » ne peut pas être ouvert.") from None
    finally:
        os.close(fd)


def _descriptor_path(fd: int) -> Path | None:
    """The real path of an open descriptor where the system tells it (/proc on Linux), else None."""
    try:
        return Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return None


def check_upload(path: str | os.PathLike[str], roots: Iterable[Path], max_bytes: int,
                 excluded: Iterable[Path] = ()) -> CheckedFile:
    """Every check of a picked file; raises UploadRefused with a French message.

    `excluded`: the application's own files and folders (`Settings.app_owned_paths`),
    refused even inside a root."""
    roots, excluded = list(roots), list(excluded)
    text = str(path).strip()
    if not text:
        raise UploadRefused("Choisissez un fichier.")
    given = Path(text).expanduser()
    if not given.is_absolute():
        raise UploadRefused("Indiquez le chemin complet du fichier (par exemple /media/cle/cv.pdf).")
    name = given.name
    try:
        link = os.lstat(given)
    except FileNotFoundError:
        raise UploadRefused(f"Le fichier « {name} » n'existe pas.") from None
    except OSError:
        raise UploadRefused(f"Le fichier « {name} » n'est pas accessible.") from None
    if stat.S_ISLNK(link.st_mode):
        try:
            os.stat(given)
        except OSError:
            raise UploadRefused(f"« {name} » est un lien symbolique cassé : il ne mène à aucun fichier.") from None
    try:
        real = Path(os.path.realpath(given, strict=True))
    except OSError:
        raise UploadRefused(f"« {name} » est un lien symbolique cassé : il ne mène à aucun fichier.") from None
    if root_of(real, roots) is None:
        shown = ", ".join(str(r) for r in roots) or "(aucun)"
        raise UploadRefused(f"« {name} » est en dehors des dossiers autorisés ({shown}).")
    if root_of(real, excluded) is not None:
        raise UploadRefused(f"« {name} » est un fichier de l'application eCandidat, pas l'un de vos documents : "
                            "choisissez un autre fichier.")
    try:
        st = os.stat(real)
    except OSError:
        raise UploadRefused(f"Le fichier « {name} » n'est pas accessible.") from None
    if stat.S_ISDIR(st.st_mode):
        raise UploadRefused(f"« {name} » est un dossier : choisissez un fichier.")
    if not stat.S_ISREG(st.st_mode):
        raise UploadRefused(f"« {name} » n'est pas un fichier ordinaire (périphérique, tube…) : "
                            "choisissez un document PDF, JPEG ou PNG.")
    if st.st_size == 0:
        raise UploadRefused(f"Le fichier « {name} » est vide.")
    too_big = UploadRefused(f"Le fichier « {name} » dépasse la taille maximale autorisée "
                            f"({human_size(max_bytes)}).")
    if st.st_size > max_bytes:
        raise too_big
    fd = _open_below(root_of(real, roots), real, name)
    digest = hashlib.sha256()
    parts: list[bytes] = []
    total = 0
    try:
        opened_path = _descriptor_path(fd)  # where the kernel says the open file is (Linux)
        if opened_path is not None and (root_of(opened_path, roots) is None
                                        or root_of(opened_path, excluded) is not None):
            raise UploadRefused(f"« {name} » a changé pendant la vérification : choisissez-le de nouveau.")
        # The file could have been swapped since stat(): check the open one.
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise UploadRefused(f"« {name} » n'est pas un fichier ordinaire.")
        if opened.st_size > max_bytes:
            raise too_big
        while True:
            chunk = os.read(fd, CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise too_big
            digest.update(chunk)
            parts.append(chunk)
    except BlockingIOError:
        raise UploadRefused(f"« {name} » n'est pas un fichier ordinaire.") from None
    except OSError:
        raise UploadRefused(f"Le fichier « {name} » n'a pas pu être lu.") from None
    finally:
        os.close(fd)
    if total == 0:
        raise UploadRefused(f"Le fichier « {name} » est vide.")
    data = b"".join(parts)
    mime = sniff_mime(data[:16])
    if mime is None:
        raise UploadRefused(f"« {name} » n'est ni un PDF, ni une image JPEG ou PNG (d'après son contenu) : "
                            "seuls ces formats sont acceptés.")
    return CheckedFile(path=real, name=safe_text(name)[:255], mime=mime, size=total, sha256=digest.hexdigest(),
                       data=data)


# ------------------------------------------------------------------ preview
# A stored file is whatever a candidate chose: a PDF whose page tree sits in a
# 400 KiB deflate bomb would inflate to hundreds of MiB. pypdf and Pillow read
# it with their limits, lowered here: the preview costs a few MiB at most, and
# a file past a limit shows "nombre de pages inconnu" / "dimensions inconnues".

PREVIEW_INFLATE_LIMIT = 2 * 1024 * 1024  # bytes one PDF stream may inflate to
_PDF_LIMITS: dict[str, Any] = dict(
    zlib_maximum_output_length=PREVIEW_INFLATE_LIMIT,
    lzw_maximum_output_length=PREVIEW_INFLATE_LIMIT,
    run_length_maximum_output_length=PREVIEW_INFLATE_LIMIT,
    array_based_stream_maximum_output_length=PREVIEW_INFLATE_LIMIT,
    brotli_maximum_output_length=PREVIEW_INFLATE_LIMIT,
    jbig2_maximum_output_length=PREVIEW_INFLATE_LIMIT,
    image_maximum_buffer_size=PREVIEW_INFLATE_LIMIT,
    maximum_declared_stream_length=PREVIEW_INFLATE_LIMIT,
    zlib_maximum_recovery_input_length=PREVIEW_INFLATE_LIMIT,
    stream_decoding_work_maximum_length=4 * PREVIEW_INFLATE_LIMIT,
    page_tree_maximum_entries=10_000,
    page_tree_maximum_page_entries=10_000,
)
# pypdf warns about a malformed file with text from the file: a candidate's
# file is no event for the log (nor for stderr, under the terminal's screen).
logging.getLogger("pypdf").addHandler(logging.NullHandler())
logging.getLogger("pypdf").propagate = False


def pdf_page_count(data: bytes) -> int | None:
    """Pages of a PDF (pypdf, within `_PDF_LIMITS`), or None when it cannot tell."""
    import pypdf

    try:
        with pypdf.apply_configuration(**_PDF_LIMITS):
            return len(pypdf.PdfReader(io.BytesIO(data), strict=False).pages) or None
    except Exception:  # any malformed or hostile PDF: pages unknown
        return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) read from the image's header by Pillow (nothing decoded), or None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as image:
                return image.size
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        return None


def file_facts(name: str, data: bytes, mime: str) -> FileFacts:
    pages = width = height = None
    if mime == MIME_PDF:
        pages = pdf_page_count(data)
    else:
        size = image_size(data)
        if size:
            width, height = size
    return FileFacts(name=name, mime=mime, type_label=TYPE_LABELS.get(mime, mime), size=len(data),
                     size_label=human_size(len(data)), pages=pages, width=width, height=height)


__all__ = ["CheckedFile", "FileFacts", "UploadRefused", "check_upload", "file_facts", "human_size",
           "image_size", "pdf_page_count", "root_of", "sniff_mime"]
