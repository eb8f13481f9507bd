"""Chapter 7's notebooks as committed: the learner writes the SQS calls (the worked answers make
them), the unsolved chapter's hints give no line of an answer away, the solutions notebook has the
chapter's cells, and the time the chapter announces is the README's."""

from __future__ import annotations

import re
from pathlib import Path

from capstone_answers import CHAPTER, FUNCTIONS, SOLUTIONS, cell_defining, leaked, learner_hints
from notebook_text import read

README = Path(__file__).parents[1] / "README.md"
#: The SQS calls the learner's own cells must make (the chapter's plain-boto3 promise).
CALLS = (
    "create_queue",
    "send_message_batch",
    "receive_message",
    "delete_message_batch",
    "change_message_visibility",
    "start_message_move_task",
)


def test_the_answers_make_the_lessons_sqs_calls():
    code = "\n".join(cell_defining(SOLUTIONS, name) for name in FUNCTIONS)
    for call in CALLS:
        assert re.search(rf"\bsqs\.{call}\(", code), call


def test_the_chapters_cells_are_empty_where_the_learner_writes():
    for name in FUNCTIONS:
        body = cell_defining(CHAPTER, name).split('"""')[-1]
        assert body.strip() == "...  # your code here", name


def test_the_unsolved_chapter_shows_first_hints_without_an_answer_line():
    hints = learner_hints()
    assert len(hints) == 5
    for name, text in hints.items():
        assert text.startswith("HINT [ex7."), (name, text)
        assert "hint 2:" not in text and not leaked(text), (name, leaked(text))


def test_the_solutions_have_the_chapters_cells_and_markdown():
    chapter, solved = read(CHAPTER).cells, read(SOLUTIONS).cells
    assert [c.id for c in solved[: len(chapter)]] == [c.id for c in chapter]
    for mine, theirs in zip(chapter[1:], solved[1:], strict=False):
        if mine.cell_type == "markdown":
            assert mine.source == theirs.source, mine.id
    extra = "".join(c.source for c in solved[len(chapter) :])
    assert "Appendix (solutions only)" in extra


def test_the_exercises_are_numbered_in_their_order_with_the_naive_one_last():
    headings = [
        c.source.splitlines()[0] for c in read(CHAPTER).cells if c.source.startswith("## Exercise")
    ]
    numbers = [h.split("·")[0].split()[-1] for h in headings]
    assert numbers == ["7.1", "7.2", "7.3", "7.4", "7.5", "7.6"]


def test_the_time_is_the_readmes():
    header = read(CHAPTER).cells[0].source
    minutes = re.search(r"\*Time: about (\d+) minutes\.\*", header).group(1)
    row = next(line for line in README.read_text().splitlines() if "[07_capstone_orders]" in line)
    assert f"| {minutes} min |" in row
