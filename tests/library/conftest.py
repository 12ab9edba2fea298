"""Fixtures for the source library: real files, a real embedder, a real Chroma per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.library.ingest import Ingester
from coach.library.retrieve import Retriever
from coach.library.store import Store
from coach.settings import Settings
from coach.text.embeddings import Embedder

HERE = Path(__file__).resolve().parent
FIXTURE_CARDS = HERE / "fixtures"
REPO = HERE.parents[1]
SEEDS = (REPO / ".." / "shared" / "seeds").resolve()


@pytest.fixture
def card_dir() -> Path:
    """Three small guidance cards, so most tests index a tiny corpus quickly."""
    return FIXTURE_CARDS / "cards"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """One model load for the whole session (the model is deterministic and read-only)."""
    return Embedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=FIXTURE_CARDS)


@pytest.fixture
def store(settings: Settings, embedder: Embedder) -> Store:
    return Store.open(settings, embedder.model_id, embedder.dimension)


@pytest.fixture
def ingester(store: Store, embedder: Embedder) -> Ingester:
    return Ingester(store, embedder, batch_size=4)


@pytest.fixture
def retriever(store: Store, embedder: Embedder, settings: Settings) -> Retriever:
    return Retriever(store, embedder, settings.corpus_dir)


# ---------------------------------------------------------------- file makers


@pytest.fixture
def make_pdf(tmp_path: Path):
    """Write a PDF with reportlab: one list of lines per page; optional encryption."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    def make(
        name: str,
        pages: list[list[str]],
        *,
        title: str = "",
        user_password: str | None = None,
        owner_password: str = "owner-secret",
    ) -> Path:
        path = tmp_path / name
        encrypt = None
        if user_password is not None:
            encrypt = StandardEncryption(user_password, ownerPassword=owner_password)
        pdf = canvas.Canvas(str(path), encrypt=encrypt)
        if title:
            pdf.setTitle(title)
        for lines in pages:
            y = 760
            for line in lines:
                pdf.drawString(60, y, line)
                y -= 14
            pdf.showPage()
        pdf.save()
        return path

    return make


@pytest.fixture
def make_scanned_pdf(tmp_path: Path):
    """A PDF whose page is only a picture of words, as a scanner makes it."""
    from PIL import Image, ImageDraw
    from reportlab.pdfgen import canvas

    def make(name: str = "scanned.pdf") -> Path:
        picture = tmp_path / "scan.png"
        image = Image.new("RGB", (800, 300), "white")
        ImageDraw.Draw(image).text((20, 20), "Tell the story of a moment.", fill="black")
        image.save(picture)
        path = tmp_path / name
        pdf = canvas.Canvas(str(path))
        pdf.drawImage(str(picture), 60, 400, 480, 180)
        pdf.showPage()
        pdf.save()
        return path

    return make


@pytest.fixture
def make_docx(tmp_path: Path):
    import docx

    def make(name: str, blocks: list[tuple[str, str]], title: str = "") -> Path:
        """blocks: (style, text) with style 'h1', 'h2' or 'p'."""
        document = docx.Document()
        if title:
            document.core_properties.title = title
        for style, text in blocks:
            if style.startswith("h"):
                document.add_heading(text, level=int(style[1]))
            else:
                document.add_paragraph(text)
        path = tmp_path / name
        document.save(str(path))
        return path

    return make


@pytest.fixture
def write(tmp_path: Path):
    """Write text or bytes to a file in tmp_path and return its path."""

    def make(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode(encoding) if isinstance(content, str) else content
        path.write_bytes(data)
        return path

    return make


@pytest.fixture
def long_pages():
    return make_long_pages


def make_long_pages(count: int, lines_per_page: int = 30) -> list[list[str]]:
    """Realistic-looking pages of prose, each mentioning its own page number."""
    sentence = (
        "Organisers build relationships one conversation at a time, listening for the "
        "values people share before asking them to act together."
    )
    pages = []
    for number in range(1, count + 1):
        lines = [f"Section {number}: notes from workshop page {number}."]
        words = (sentence + " ") * (lines_per_page // 2)
        row = ""
        for word in words.split():
            if len(row) + len(word) > 90:
                lines.append(row)
                row = ""
            row = f"{row} {word}".strip()
        lines.append(row)
        pages.append(lines[:lines_per_page])
    return pages


@pytest.fixture
def coach(monkeypatch, card_dir, capsys):
    """Run ``coach ...`` on the test's fresh data dir; returns (exit code, stdout, stderr)."""
    from coach import cli

    monkeypatch.setattr(cli, "COMMAND_MODULES", ["coach.cli.library"])
    monkeypatch.setenv("COACH_CORPUS_DIR", str(card_dir.parent))

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run
