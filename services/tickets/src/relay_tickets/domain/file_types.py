"""Which files a desk refuses to store: kinds told by their bytes and by their name.

A refused kind is either `executable` (programs and scripts a double-click runs),
`html` (documents a browser renders as a page of this site's origin, scripts and
all, if it ever showed one inline), or one extension (`.iso`). The bytes decide
where they can (a program renamed to report.pdf is still one), the name where the
bytes say nothing (a batch file or a VBScript is plain text). Executables are
refused by default; downloads are always served as attachments in a sandbox, so
what a desk lets in is never run by Relay or shown as a page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from relaykit.errors import InvalidInput

EXECUTABLE, HTML = "executable", "html"
KINDS = (EXECUTABLE, HTML)
DEFAULT_REFUSED = (EXECUTABLE,)
REFUSED_MAX = 100

# What Windows, macOS, Java and the usual script hosts run when the file is opened
# (close to the lists mail providers refuse); disk images and archives are not here:
# they are containers, and a desk that wants them out adds their extensions.
EXECUTABLE_EXTENSIONS = frozenset(
    {
        "ade", "adp", "apk", "app", "appx", "appxbundle", "bat", "chm", "cmd", "com", "command", "cpl", "dll",
        "exe", "gadget", "hta", "inf", "ins", "isp", "jar", "jnlp", "js", "jse", "lnk", "mde", "mjs", "msc",
        "msi", "msix", "msixbundle", "msp", "mst", "nsh", "pif", "ps1", "psm1", "reg", "scf", "scr", "sct",
        "shb", "sys", "vb", "vbe", "vbs", "vxd", "wsc", "wsf", "wsh", "xll",
    }
)  # fmt: skip
HTML_EXTENSIONS = frozenset({"htm", "html", "mht", "mhtml", "shtml", "svg", "svgz", "xht", "xhtml"})

# Signatures at offset 0: ELF, Mach-O (32/64-bit, both byte orders, and universal
# binaries, whose magic Java class files share: both run), a shebang script, a Windows
# shortcut, WebAssembly, Android's Dalvik code. PE/DOS programs (MZ) are told apart from
# text that happens to begin with those letters by the binary header that follows.
_EXECUTABLE_MAGIC = (
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
    b"L\x00\x00\x00\x01\x14\x02\x00",
    b"\x00asm",
    b"dex\n",
)
_ZIP = b"PK\x03\x04"
# A zip whose first entry is one of these is a Java or Android program.
_PROGRAM_ZIP_ENTRIES = (b"META-INF/", b"AndroidManifest.xml", b"classes.dex")
# A page a browser would render, maybe after a BOM, blanks, or an XML declaration (SVG).
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html|head|body|script|svg)\b", re.I
)
_EXTENSION = re.compile(r"^\.[a-z0-9]{1,16}$")


def extension(filename: str) -> str:
    """The last extension, lowercased, without its dot ("" for none); trailing dots and
    spaces, which Windows drops when it opens a file, do not hide it."""
    stem, dot, ext = filename.rstrip(". ").rpartition(".")
    return ext.lower() if dot and stem else ""


def _dos_program(head: bytes) -> bool:
    return head.startswith(b"MZ") and b"\x00" in head[2:64]


def _zip_program(head: bytes) -> bool:
    if not head.startswith(_ZIP) or len(head) < 30:
        return False
    name_length = int.from_bytes(head[26:28], "little")
    first = head[30 : 30 + name_length]
    return any(first.startswith(entry) for entry in _PROGRAM_ZIP_ENTRIES)


def kinds_of(filename: str, head: bytes) -> frozenset[str]:
    """What a file is, from its name and its first bytes: executable, html, both or neither."""
    ext = extension(filename)
    found = set()
    if ext in EXECUTABLE_EXTENSIONS or head.startswith(_EXECUTABLE_MAGIC) or _dos_program(head) or _zip_program(head):
        found.add(EXECUTABLE)
    if ext in HTML_EXTENSIONS or _HTML_START.match(head[:1024]):
        found.add(HTML)
    return frozenset(found)


def refusal(filename: str, head: bytes, refused: Iterable[str]) -> str | None:
    """Why a desk refusing `refused` does not take this file (None: it does)."""
    refused = set(refused)
    for kind in sorted(kinds_of(filename, head) & refused):
        what = "an executable" if kind == EXECUTABLE else "an HTML document"
        return f"{filename!r} is {what}; this desk does not accept them (settings: refused_file_types)"
    ext = extension(filename)
    if ext and f".{ext}" in refused:
        return f"{filename!r} is a .{ext} file; this desk does not accept them (settings: refused_file_types)"
    return None


def clean_refused(values: Any, name: str = "refused_file_types") -> list[str]:
    """The setting as stored: kinds and extensions (".iso"), lowercased, each once, in order."""
    if not isinstance(values, list | tuple):
        raise InvalidInput("must be a list of kinds and extensions", field=name)
    if len(values) > REFUSED_MAX:
        raise InvalidInput(f"must have at most {REFUSED_MAX} entries", field=name)
    out: dict[str, None] = {}
    for i, value in enumerate(values):
        entry = value.strip().lower() if isinstance(value, str) else None
        if entry not in KINDS and not (entry and _EXTENSION.match(entry)):
            raise InvalidInput(
                f"{value!r} is neither one of {', '.join(KINDS)} nor an extension like .iso", field=f"{name}.{i}"
            )
        out[entry] = None
    return list(out)
