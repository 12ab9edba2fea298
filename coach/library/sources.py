"""Read user documents and corpus cards into text sections that keep their place.

Every loader returns a :class:`LoadedSource` whose sections carry a locator (a page
number or a heading path) and character offsets, so a retrieved passage can always be
cited. Offsets point into the text we extracted: the decoded file for Markdown and plain
text, the page's text for PDF, and the extracted text for HTML and DOCX.

Problems a user can fix (encrypted, scanned, truncated, empty, binary or unknown files)
raise :class:`~coach.errors.InputError` with a message that says what to do; so does any
other failure of a parser on a user's file, so one odd file never stops a batch with a
traceback. PDF pages are read lazily, one at a time, so a 500-page handbook never sits in
memory as text. Files above a size limit are refused before they are parsed, and a DOCX
is refused when it would unpack to more than a limit (a "zip bomb").
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from coach.errors import InputError

#: File suffix -> kind. Anything else is refused with the list below in the message.
#: What each entry of a card's ``sources`` may say.
REFERENCE_FIELDS = ("title", "author", "year", "url", "locator")
KINDS = {
    ".pdf": "pdf",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
}
SUPPORTED = ", ".join(sorted({s for s in KINDS}))

_MB = 1024 * 1024
#: Largest file we read, by kind. A PDF is read a page at a time, so it may be bigger;
#: the others are read whole into memory.
MAX_SOURCE_BYTES = 20 * _MB
MAX_PDF_BYTES = 200 * _MB
#: HTML costs most to parse (about 2 s and 75 MB of memory per MB here), so its limit is lower.
MAX_HTML_BYTES = 5 * _MB
#: Largest total a DOCX may unpack to: the members' declared sizes, and what they really
#: unpack to (a forged header can understate it), checked before parsing.
MAX_DOCX_UNPACKED_BYTES = 50 * _MB
#: ... of which the XML (text and layout, parsed into objects: about 20x in memory) at most:
MAX_DOCX_XML_BYTES = 10 * _MB
#: Most text one source may yield (about 800,000 words), and most drawing instructions one PDF
#: page may hold: a small PDF can unpack to a page of 70 MB of text.
MAX_SOURCE_CHARS = 5_000_000
MAX_PDF_PAGE_CONTENT_BYTES = 8 * _MB

_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


@dataclass(frozen=True)
class Section:
    """A stretch of text with one locator: a PDF page or a Markdown/HTML/DOCX heading path."""

    text: str
    start: int  # offset of ``text`` within the page (PDF) or the extracted document
    locator: str = ""
    page: int | None = None


@dataclass
class LoadedSource:
    """A readable source: its identity and metadata now, its sections on demand."""

    path: Path
    kind: str
    title: str
    sha256: str
    size: int
    pages: int | None = None
    meta: dict[str, object] = field(default_factory=dict)
    _read: Callable[[], Iterator[Section]] | None = field(default=None, repr=False)

    def sections(self) -> Iterator[Section]:
        """Yield sections in document order (lazily for PDF)."""
        if self._read is None:
            return iter(())
        return _guarded(self._read(), self.path.name, self.kind)


def kind_of(path: Path) -> str | None:
    """The kind we read a file as, from its suffix; None when unsupported."""
    return KINDS.get(path.suffix.lower())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_source(path: Path | str) -> LoadedSource:
    """Open ``path`` and check it can be read; raise InputError with a fix if not."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    kind = kind_of(path)
    if kind is None:
        raise InputError(
            f"{path.name}: unsupported file type '{path.suffix or '(none)'}' "
            f"(supported: {SUPPORTED})"
        )
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path.name}: the file is empty (0 bytes)")
    limit = max_bytes(kind)
    if size > limit:
        raise InputError(
            f"{path.name}: the file is {size / _MB:.1f} MB; the limit for {kind} files is "
            f"{limit // _MB} MB (split it, or export only the part you need)"
        )
    loader = {
        "pdf": _load_pdf,
        "markdown": _load_markdown,
        "text": _load_text,
        "html": _load_html,
        "docx": _load_docx,
    }[kind]
    with _reading(path.name, kind):
        return loader(path, size)


def max_bytes(kind: str) -> int:
    """The size limit for a kind of file (PDFs are streamed, so theirs is larger)."""
    return {"pdf": MAX_PDF_BYTES, "html": MAX_HTML_BYTES}.get(kind, MAX_SOURCE_BYTES)


@contextmanager
def _reading(name: str, kind: str) -> Iterator[None]:
    """Turn any parser failure on a user's file into an InputError naming the file.

    Parsers (pypdf, lxml, BeautifulSoup, PyYAML) raise many exception types on odd input;
    the user can do nothing with a traceback, and one bad file must not stop a batch.
    """
    try:
        yield
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            f"{name}: could not read this {kind} file ({type(exc).__name__}: {exc})"
        ) from exc


def _guarded(sections: Iterator[Section], name: str, kind: str) -> Iterator[Section]:
    """The lazy half of :func:`_reading`: failures while yielding sections (PDF pages)."""
    while True:
        with _reading(name, kind):
            section = next(sections, None)
        if section is None:
            return
        yield section


def load_card(path: Path | str) -> LoadedSource:
    """Load a corpus card: Markdown whose front matter names its id, criteria and sources.

    ``sources`` lists the published works the card's advice comes from, each with a
    locator (section or page); a citation names them, never the card itself.
    A card may also list ``questions`` it answers, in a user's words; they are searched
    with the card (see :func:`coach.library.ingest.index_text`) but never shown as its text. And it
    may list ``related`` card ids: cards a reader with the same problem should also read
    (retrieval lifts them when this card ranks first, see :mod:`coach.library.retrieve`).
    """
    path = Path(path)
    with _reading(path.name, "card"):
        source = _load_markdown(path, path.stat().st_size)
    missing = [key for key in ("id", "title", "sources") if not source.meta.get(key)]
    if missing:
        raise InputError(f"{path.name}: card front matter lacks {', '.join(missing)}")
    for field_name in ("questions", "related", "audience"):
        value = source.meta.get(field_name, [])
        source.meta[field_name] = _string_list(value, path.name, field_name)
    source.meta["sources"] = _references(source.meta["sources"], path.name)
    source.kind = "card"
    return source


def _references(value: Any, name: str) -> list[dict[str, str]]:
    """A card's ``sources``: each a published work with a title and a locator in it."""
    if not isinstance(value, list) or not value:
        raise InputError(f"{name}: 'sources' must be a list of works the card cites")
    works = []
    for item in value:
        if not isinstance(item, dict) or not all(
            str(item.get(key) or "").strip() for key in ("title", "locator")
        ):
            raise InputError(f"{name}: every source needs a title and a locator")
        works.append({k: str(item.get(k) or "").strip() for k in REFERENCE_FIELDS})
    return works


def _string_list(value: Any, name: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(f"{name}: '{key}' must be a list of non-empty strings")
    return [v.strip() for v in value]


# ---------------------------------------------------------------- text decoding


def decode_text(data: bytes, name: str) -> str:
    """Decode bytes as text: BOMs first, then UTF-8, then a legacy East Asian encoding when the
    bytes are mostly one, then cp1252, then Latin-1.

    Binary data (NUL bytes without a UTF-16 BOM, or many control bytes) is refused rather
    than turned into mojibake that would pollute the index.
    """
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{name}: has a {encoding} mark but is not valid {encoding}"
                ) from exc
    sample = data[:65536]
    if b"\x00" in sample or sum(sample.count(b) for b in _CONTROL_BYTES) > len(sample) * 0.05:
        raise InputError(f"{name}: looks like a binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    east_asian = _east_asian(data)
    if east_asian is not None:
        return east_asian
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


#: Legacy multi-byte encodings of Japanese, Chinese and Korean text, most specific first.
_EAST_ASIAN = ("shift_jis", "euc_jp", "gb18030", "big5", "euc_kr")


def _east_asian(data: bytes) -> str | None:
    """The text, if it is mostly East Asian script in a legacy encoding (else None).

    Such files are valid cp1252 or Latin-1 byte for byte, so without this check they became
    mojibake silently. Western text has few bytes above 127; these have most.
    """
    sample = data[:65536]
    if sum(b > 127 for b in sample) < 0.3 * len(sample):
        return None
    for encoding in _EAST_ASIAN:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        letters = [c for c in text[:20000] if not c.isspace()]
        if letters and sum(_is_cjk(c) for c in letters) >= 0.5 * len(letters):
            return text
    return None


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x9FFF  # CJK ideographs
        or 0xAC00 <= code <= 0xD7AF  # Hangul
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
    )


def _read_text(path: Path) -> str:
    return decode_text(path.read_bytes(), path.name).replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------- headings


def heading_sections(text: str, start: int = 0) -> Iterator[Section]:
    """Split Markdown-style text at ATX headings; each section's locator is its heading path.

    We walk the text ourselves rather than use LangChain's MarkdownHeaderTextSplitter
    because that one re-joins lines, so its pieces lose their exact character offsets.
    """
    stack: list[tuple[int, str]] = []
    pos = section_start = start
    in_fence = False

    def emit(end: int) -> Iterator[Section]:
        body = text[section_start:end]
        if body.strip():
            yield Section(body, section_start, " > ".join(title for _, title in stack))

    for line in text[start:].splitlines(keepends=True):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and (match := _ATX_HEADING.match(line.rstrip("\n"))):
            yield from emit(pos)
            level = len(match.group(1))
            stack = [entry for entry in stack if entry[0] < level]
            stack.append((level, match.group(2).strip()))
            section_start = pos + len(line)
        pos += len(line)
    yield from emit(pos)


def _first_heading(text: str) -> str:
    for section_line in text.splitlines():
        match = _ATX_HEADING.match(section_line)
        if match:
            return match.group(2).strip()
    return ""


# ---------------------------------------------------------------- loaders


def _load_text(path: Path, size: int) -> LoadedSource:
    text = _read_text(path)
    if not text.strip():
        raise InputError(f"{path.name}: contains no text")
    return LoadedSource(
        path,
        "text",
        path.stem,
        file_sha256(path),
        size,
        _read=lambda: iter([Section(text, 0)]),
    )


#: libyaml's safe loader when PyYAML has it (ten times faster), the Python one otherwise.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_yaml(text: str, name: str) -> object:
    """YAML without anchors or aliases: a few hundred bytes of nested aliases expand to
    gigabytes when loaded, and front matter never needs them."""
    for token in yaml.scan(text, Loader=_YAML_LOADER):
        if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
            raise InputError(f"{name}: front matter may not use YAML anchors or aliases (& or *)")
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader


def _split_front_matter(text: str, name: str) -> tuple[dict[str, object], int]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, 0
    try:
        meta = safe_yaml(match.group(1), name) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: invalid front matter: {exc}") from exc
    if not isinstance(meta, dict):
        raise InputError(f"{name}: front matter must be a mapping of keys to values")
    return meta, match.end()


def _load_markdown(path: Path, size: int) -> LoadedSource:
    text = _read_text(path)
    meta, body_start = _split_front_matter(text, path.name)
    if not text[body_start:].strip():
        raise InputError(f"{path.name}: contains no text")
    criteria = meta.get("criteria") or []
    if isinstance(criteria, str):
        criteria = [c.strip() for c in criteria.split(",") if c.strip()]
    meta["criteria"] = [str(c) for c in criteria]
    title = str(meta.get("title") or _first_heading(text[body_start:]) or path.stem)
    return LoadedSource(
        path,
        "markdown",
        title,
        file_sha256(path),
        size,
        meta=meta,
        _read=lambda: heading_sections(text, body_start),
    )


_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "head", "iframe", "object")
_BLOCK_TAGS = (
    "p",
    "div",
    "li",
    "br",
    "tr",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "dd",
    "dt",
    "aside",
    "main",
    "nav",
    "figure",
    "figcaption",
)


_CELL_TAGS = ("td", "th")
_HEADING_LEVELS = {f"h{level}": level for level in range(1, 7)}
_BLOCK_END = object()  # marks where a block element closes during the walk
_CELL_END = object()  # table cells are inline, but "Ward 3" and "12" must stay apart


def html_to_text(html: str) -> tuple[str, str]:
    """Visible text of an HTML page with headings as '#' lines; returns (title, text).

    One walk over the parsed tree that appends to a list. Editing the tree instead
    (a newline inserted after each block) searches the parent's children every time,
    which made a page of 20,000 paragraphs take 18 seconds.
    """
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    out: list[str] = []
    stack: list[object] = list(reversed(soup.contents))
    while stack:
        node = stack.pop()
        if node is _BLOCK_END:
            out.append("\n")
        elif node is _CELL_END:
            out.append(" ")
        elif isinstance(node, Tag):
            if node.name in _DROP_TAGS:
                continue
            level = _HEADING_LEVELS.get(node.name)
            if level:
                words = " ".join(t.strip() for t in _visible_strings(node) if t.strip())
                out.append(f"\n{'#' * level} {words}\n" if words else "\n")
                continue
            if node.name in _BLOCK_TAGS:
                stack.append(_BLOCK_END)
            elif node.name in _CELL_TAGS:
                stack.append(_CELL_END)
            stack.extend(reversed(node.contents))
        elif _is_text(node):
            out.append(str(node))
    lines = [" ".join(line.split()) for line in "".join(out).splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
    return title or _first_heading(text), text


def _visible_strings(root) -> Iterator[str]:
    """The text strings under ``root``, skipping scripts, styles and the like."""
    from bs4 import Tag

    stack = list(reversed(root.contents))
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            if node.name not in _DROP_TAGS:
                stack.extend(reversed(node.contents))
        elif _is_text(node):
            yield str(node)


def _is_text(node: object) -> bool:
    """Page text as BeautifulSoup's get_text sees it: not comments, doctypes or scripts."""
    from bs4 import CData, NavigableString

    return type(node) in (NavigableString, CData)


def _load_html(path: Path, size: int) -> LoadedSource:
    title, text = html_to_text(_read_text(path))
    if not text.strip():
        raise InputError(f"{path.name}: the page has no visible text")
    return LoadedSource(
        path,
        "html",
        title or path.stem,
        file_sha256(path),
        size,
        _read=lambda: heading_sections(text),
    )


def _load_docx(path: Path, size: int) -> LoadedSource:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    _check_unpacked_size(path)
    try:
        document = docx.Document(str(path))
        text = _docx_text(document)
        title = _meaningful(document.core_properties.title or "")
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(
            f"{path.name}: not a readable .docx file (corrupt, or an old .doc renamed?)"
        ) from exc
    except XMLSyntaxError as exc:
        raise InputError(
            f"{path.name}: the .docx file is damaged (its XML is not well-formed: {exc}); "
            "open it in Word or LibreOffice and save it again"
        ) from exc
    if not text.strip():
        raise InputError(f"{path.name}: the document has no text")
    title = title or _first_heading(text) or path.stem
    return LoadedSource(
        path, "docx", title, file_sha256(path), size, _read=lambda: heading_sections(text)
    )


def _check_unpacked_size(path: Path) -> None:
    """Refuse a DOCX that would unpack to more than MAX_DOCX_UNPACKED_BYTES (a zip bomb)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
            markup = sum(m.file_size for m in archive.infolist() if m.filename.endswith(".xml"))
            if unpacked <= MAX_DOCX_UNPACKED_BYTES:
                unpacked = _really_unpacked(archive, MAX_DOCX_UNPACKED_BYTES)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
        raise InputError(
            f"{path.name}: not a readable .docx file (corrupt, or an old .doc renamed?)"
        ) from exc
    if markup > MAX_DOCX_XML_BYTES:
        raise InputError(
            f"{path.name}: the .docx file's text and layout unpack to {markup / _MB:.0f} MB; "
            f"the limit is {MAX_DOCX_XML_BYTES // _MB} MB (split the document)"
        )
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        raise InputError(
            f"{path.name}: the .docx file would unpack to {unpacked / _MB:.0f} MB; the limit is "
            f"{MAX_DOCX_UNPACKED_BYTES // _MB} MB (is it a damaged or malicious file?)"
        )


def _really_unpacked(archive, limit: int) -> int:
    """Bytes the members unpack to, counted in small pieces and stopping past ``limit``."""
    total = 0
    for member in archive.infolist():
        with archive.open(member) as stream:
            while piece := stream.read(1 << 20):
                total += len(piece)
                if total > limit:
                    return total
    return total


def _docx_text(document) -> str:
    """Paragraphs and tables in order; heading styles become '#' lines."""
    from docx.table import Table

    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [" ".join(cell.text.split()) for cell in row.cells]
                lines.append(" | ".join(c for c in cells if c))
            lines.append("")
            continue
        words = " ".join(block.text.split())
        style = (block.style.name if block.style is not None else "") or ""
        level = _heading_level(style)
        lines.append(f"\n{'#' * level} {words}\n" if level and words else words)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _heading_level(style_name: str) -> int:
    if style_name == "Title":
        return 1
    match = re.fullmatch(r"Heading (\d)", style_name)
    return min(int(match.group(1)), 6) if match else 0


def _meaningful(title: str) -> str:
    """A document's stored title, unless it is a placeholder ("Untitled", "untitled-3")."""
    title = title.strip()
    return "" if re.fullmatch(r"untitled\b.*", title, re.I) else title


def _check_page_content(page, name: str, number: int) -> None:
    """Refuse a page whose drawing instructions unpack past MAX_PDF_PAGE_CONTENT_BYTES before
    extracting its text (extraction time grows with them)."""
    contents = page.get_contents()
    size = len(contents.get_data()) if contents is not None else 0
    if size > MAX_PDF_PAGE_CONTENT_BYTES:
        raise InputError(
            f"{name}: page {number} unpacks to {size / _MB:.0f} MB of content; the limit is "
            f"{MAX_PDF_PAGE_CONTENT_BYTES // _MB} MB a page (is it a damaged or malicious file?)"
        )


def _load_pdf(path: Path, size: int) -> LoadedSource:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError, PyPdfError

    with path.open("rb") as handle:
        if not handle.read(1024).lstrip().startswith(b"%PDF"):
            raise InputError(f"{path.name}: not a PDF file (no %PDF header); is it corrupt?")
        handle.seek(max(0, size - 2048))
        if b"%%EOF" not in handle.read():
            raise InputError(
                f"{path.name}: the PDF looks truncated (no end-of-file marker); "
                "download or export it again"
            )
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(
                f"{path.name}: the PDF is password-protected; save an unprotected copy "
                "(e.g. print to PDF) and ingest that"
            )
        pages = len(reader.pages)
        info = reader.metadata
        title = _meaningful(str(info.title)) if info is not None and info.title else ""
    except DependencyError as exc:
        raise InputError(
            f"{path.name}: the PDF uses AES encryption, which needs the 'cryptography' "
            "package; install it or save an unprotected copy"
        ) from exc
    except InputError:
        raise
    except (PyPdfError, PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"{path.name}: the PDF is corrupt or truncated ({exc})") from exc
    if pages == 0:
        raise InputError(f"{path.name}: the PDF has no pages")

    def read_pages() -> Iterator[Section]:
        found_text = False
        chars = 0
        for number, page in enumerate(reader.pages, start=1):
            try:
                _check_page_content(page, path.name, number)
                text = page.extract_text() or ""
            except InputError:
                raise
            except Exception as exc:  # pypdf raises many types on a damaged page
                raise InputError(
                    f"{path.name}: page {number} is corrupt and cannot be read ({exc})"
                ) from exc
            chars += len(text)
            if chars > MAX_SOURCE_CHARS:
                raise InputError(
                    f"{path.name}: more than {MAX_SOURCE_CHARS:,} characters of text by page "
                    f"{number}; the limit per source is {MAX_SOURCE_CHARS:,} (split the PDF)"
                )
            if text.strip():
                found_text = True
                yield Section(text, 0, f"p. {number}", number)
        if not found_text:
            raise InputError(
                f"{path.name}: no extractable text — OCR is not supported "
                "(is this a scanned document?)"
            )

    return LoadedSource(
        path,
        "pdf",
        title or path.stem,
        file_sha256(path),
        size,
        pages=pages,
        _read=read_pages,
    )
