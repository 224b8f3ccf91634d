"""Checks a file a candidate picked before anything is stored.

A path must resolve (symlinks followed) inside one of the allowed upload
roots, be a regular readable non-empty file under the size cap, and be a
PDF, JPEG or PNG by its content (magic bytes, never the name). The type of
the file is checked with `lstat`/`stat` *before* it is opened, and it is
opened with O_NONBLOCK, so a FIFO or a device can never hang the kiosk.
Also gives a file's preview facts (pages, image size) without a PDF library.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

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
    """A file that passed every check, with its bytes read once."""

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


def _within(path: Path, roots: Iterable[Path]) -> bool:
    for root in roots:
        try:
            real_root = Path(os.path.realpath(root))
        except OSError:
            continue
        if path == real_root or real_root in path.parents:
            return True
    return False


def check_upload(path: str | os.PathLike[str], roots: Iterable[Path], max_bytes: int) -> CheckedFile:
    """Every check of a picked file; raises UploadRefused with a French message."""
    roots = list(roots)
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
    if not _within(real, roots):
        shown = ", ".join(str(r) for r in roots) or "(aucun)"
        raise UploadRefused(f"« {name} » est en dehors des dossiers autorisés ({shown}).")
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
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except PermissionError:
        raise UploadRefused(f"Le fichier « {name} » n'est pas lisible (droits insuffisants).") from None
    except OSError:
        raise UploadRefused(f"Le fichier « {name} » ne peut pas être ouvert.") from None
    digest = hashlib.sha256()
    parts: list[bytes] = []
    total = 0
    try:
        # The file could have been swapped since stat(): check the open one.
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UploadRefused(f"« {name} » n'est pas un fichier ordinaire.")
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
    return CheckedFile(path=real, name=name, mime=mime, size=total, sha256=digest.hexdigest(), data=data)


# ------------------------------------------------------------------ preview

_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def pdf_page_count(data: bytes) -> int | None:
    """Pages of a PDF by a light parse: page objects, also in compressed object streams."""
    bodies = [data]
    if b"/ObjStm" in data:
        for match in _STREAM.finditer(data):
            try:
                bodies.append(zlib.decompress(match.group(1)))
            except zlib.error:
                continue
    pages = sum(len(_PAGE.findall(body)) for body in bodies)
    if pages:
        return pages
    counts = [int(a or b) for body in bodies for a, b in _COUNT.findall(body)]
    return max(counts) if counts else None


def image_size(data: bytes, mime: str) -> tuple[int, int] | None:
    """(width, height) from a PNG IHDR or a JPEG SOF header."""
    if mime == MIME_PNG and len(data) >= 24 and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if mime == MIME_JPEG:
        i = 2
        while i + 4 <= len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            (length,) = struct.unpack(">H", data[i + 2:i + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                if i + 9 <= len(data):
                    height, width = struct.unpack(">HH", data[i + 5:i + 9])
                    return width, height
                return None
            i += 2 + length
    return None


def file_facts(name: str, data: bytes, mime: str) -> FileFacts:
    pages = width = height = None
    if mime == MIME_PDF:
        pages = pdf_page_count(data)
    else:
        size = image_size(data, mime)
        if size:
            width, height = size
    return FileFacts(name=name, mime=mime, type_label=TYPE_LABELS.get(mime, mime), size=len(data),
                     size_label=human_size(len(data)), pages=pages, width=width, height=height)


__all__ = ["CheckedFile", "FileFacts", "UploadRefused", "check_upload", "file_facts", "human_size",
           "image_size", "pdf_page_count", "sniff_mime"]
