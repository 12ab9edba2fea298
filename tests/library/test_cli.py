"""The library commands, run through ``coach.cli.main`` as a user would."""

from __future__ import annotations

import json
import shutil

import pytest


def test_ingest_a_folder_with_one_bad_file(coach, write, tmp_path):
    write("docs/guide.md", "# Guide\n\nListen first, then ask.\n")
    write("docs/sub/notes.txt", "Meeting on Tuesday at 7 pm.")
    write("docs/empty.txt", b"")
    write("docs/picture.png", b"\x89PNG not a document")  # unsupported in a folder: skipped
    code, out, err = coach("ingest", str(tmp_path / "docs"))
    assert code == 1
    assert "docs/guide.md: added, 1 passage\n" in out
    assert "docs/sub/notes.txt: added" in out
    assert "empty.txt: the file is empty" in err
    assert "2 of 3 files ingested, 1 failed" in out

    code, out, _ = coach("sources", "--format", "json")
    ids = [s["source_id"] for s in json.loads(out)["sources"] if not s["builtin"]]
    assert code == 0 and ids == ["docs/guide.md", "docs/sub/notes.txt"]


def test_ingest_json_and_reingest(coach, write):
    path = write("plan.md", "# Plan\n\nKnock on ten doors on Saturday.\n")
    code, out, _ = coach("ingest", str(path), "--format", "json")
    assert code == 0 and json.loads(out)["results"][0]["status"] == "added"
    code, out, _ = coach("ingest", str(path))
    assert code == 0 and "plan.md: unchanged" in out


def test_sources_text_and_remove(coach, write):
    coach("ingest", str(write("plan.md", "# Plan\n\nKnock on ten doors.\n")))
    code, out, _ = coach("sources")
    assert code == 0 and "plan.md" in out and "built-in guidance: 3 cards" in out
    code, out, _ = coach("sources", "--remove", "plan.md")
    assert code == 0 and "removed plan.md" in out
    code, _, err = coach("sources", "--remove", "plan.md")
    assert code == 2 and "no source with id 'plan.md'" in err


def test_ask_prints_cited_passages(coach):
    code, out, _ = coach("ask", "what should my ask be?", "--k", "2")
    assert code == 0
    first = out[out.index("[1]") :]  # after a "nothing fits well" note, if the cards are far
    assert first.startswith(
        "[1] Ask for one specific thing — Test source (Workshop notes), The ask"
    )
    code, out, _ = coach("ask", "hope", "--criterion", "hope", "--format", "json")
    payload = json.loads(out)
    assert [p["source_id"] for p in payload["passages"]] == ["card:hope-with-a-path"]
    assert payload["passages"][0]["citation"].endswith("Hope")


def test_ask_names_the_cards_a_card_says_to_read_alongside(coach, monkeypatch, tmp_path, card_dir):
    corpus = tmp_path / "corpus"
    shutil.copytree(card_dir, corpus / "cards")
    card = corpus / "cards" / "hope-with-a-path.md"
    card.write_text(card.read_text().replace("criteria:", "related: [ask-one-thing]\ncriteria:"))
    monkeypatch.setenv("COACH_CORPUS_DIR", str(corpus))
    code, out, _ = coach("ask", "can we really win?", "--k", "1", "--criterion", "hope")
    assert code == 0 and "    see also: ask-one-thing\n" in out


def test_eval_retrieval_on_a_small_question_file(coach, write):
    questions = write(
        "q.jsonl",
        '{"question": "how do I make my ask specific?", "relevant": ["ask-one-thing"]}\n'
        '{"question": "where does hope come from?", "relevant": ["hope-with-a-path"]}\n',
    )
    code, out, _ = coach("eval-retrieval", str(questions), "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["n"] == 2
    assert set(report["methods"]) == {"hybrid", "hybrid_convex", "hybrid_rrf", "bm25", "vector"}
    assert report["methods"]["hybrid"]["hit"] == 1.0
    code, out, _ = coach("eval-retrieval", str(questions))
    assert "recall@5" in out and "hybrid" in out


def test_missing_file_is_a_failure_not_a_crash(coach, tmp_path):
    code, _, err = coach("ingest", str(tmp_path / "nope.pdf"))
    assert code == 1 and "no such file or folder" in err


def test_hidden_files_and_folders_are_skipped(coach, write, tmp_path):
    write("docs/guide.md", "# Guide\n\nListen first, then ask.\n")
    write("docs/.draft.md", "# Draft\n\nNot ready.\n")
    write("docs/.git/notes.md", "# Git\n\nInternal notes.\n")
    write("docs/.venv/lib/readme.txt", "A package readme.")
    code, out, _ = coach("ingest", str(tmp_path / "docs"), "--format", "json")
    ingested = [r["source_id"] for r in json.loads(out)["results"]]
    assert code == 0 and ingested == ["docs/guide.md"]


def test_file_names_reach_the_terminal_without_their_escape_codes(coach, write, tmp_path):
    """A name holding ESC [2J (clear screen) is printed as visible text, never obeyed."""
    write("docs/\x1b[2Jplan.md", "# Plan\n\nKnock on ten doors on Saturday.\n")
    write("docs/\x1b[31mempty.md", b"")
    code, out, err = coach("ingest", str(tmp_path / "docs"))
    assert "\x1b" not in out + err
    assert "docs/\\x1b[2Jplan.md: added" in out
    assert "\\x1b[31mempty.md: the file is empty" in err


def test_symbolic_links_are_never_followed(coach, write, tmp_path):
    """A link in a folder, a linked folder, or a link named directly could lead to any file on
    the machine; none is read, and each is reported."""
    secret = write("outside/secret.md", "# Secret\n\nThe operator's private notes.\n")
    write("docs/guide.md", "# Guide\n\nListen first, then ask.\n")
    (tmp_path / "docs" / "notes.md").symlink_to(secret)
    (tmp_path / "docs" / "linked").symlink_to(secret.parent, target_is_directory=True)
    (tmp_path / "direct.md").symlink_to(secret)
    code, out, err = coach("ingest", str(tmp_path / "docs"), str(tmp_path / "direct.md"))
    assert code == 1
    assert "notes.md: skipped, a symbolic link" in err
    assert "direct.md: a symbolic link; name the file it points to instead" in err
    code, out, _ = coach("sources", "--format", "json")
    ids = [s["source_id"] for s in json.loads(out)["sources"] if not s["builtin"]]
    assert ids == ["docs/guide.md"]


def test_a_damaged_docx_in_a_folder_is_reported_and_the_rest_ingested(
    coach, write, make_docx, tmp_path
):
    import zipfile

    good = make_docx("plan.docx", [("p", "Start with a house meeting.")])
    damaged = write("docs/minutes.docx", b"")
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            broken = item.filename == "word/document.xml"
            target.writestr(item, b"<w:document><unclosed>" if broken else source.read(item))
    write("docs/notes.txt", "Meeting on Tuesday at 7 pm.")
    code, out, err = coach("ingest", str(tmp_path / "docs"))
    assert code == 1
    assert "minutes.docx: the .docx file is damaged" in err and "Traceback" not in err
    assert "docs/notes.txt: added" in out and "1 of 2 files ingested, 1 failed" in out


def test_two_files_with_one_name_do_not_replace_each_other(coach, write):
    first = write("a/notes.md", "# Notes\n\nKnock on ten doors on Saturday.\n")
    second = write("b/notes.md", "# Notes\n\nPhone bank on Thursday.\n")
    code, out, err = coach("ingest", str(first), str(second))
    assert code == 1 and "notes.md: added" in out
    assert "a different file named notes.md is already in the library" in err
    assert "coach sources --remove notes.md" in err
    code, out, _ = coach("ask", "Saturday doors", "--source", "notes.md", "--format", "json")
    assert "ten doors" in json.loads(out)["passages"][0]["text"]

    first.write_text("# Notes\n\nKnock on twenty doors on Saturday.\n")
    code, out, _ = coach("ingest", str(first))  # the same file again: an update
    assert code == 0 and "notes.md: updated" in out

    code, out, _ = coach("ingest", str(second), "--replace")
    assert code == 0 and "notes.md: updated" in out
    code, out, _ = coach("ask", "phone bank", "--source", "notes.md", "--format", "json")
    assert "Phone bank" in json.loads(out)["passages"][0]["text"]


def test_eval_retrieval_without_the_checkout_question_file_says_what_to_pass(tmp_path):
    from coach.cli.library import default_questions
    from coach.errors import InputError

    assert default_questions().is_file()  # a source checkout has the check set
    with pytest.raises(InputError, match="only in a source checkout.*pass a JSON-lines FILE"):
        default_questions(tmp_path)  # as after 'pip install .': no tests/ folder
