import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

QUESTION = {
    "key": "pg-index",
    "skill": "PostgreSQL",
    "kind": "technical",
    "difficulty": "SENIOR",
    "text": "How would you find and fix a slow query in PostgreSQL?",
    "minutes": 6,
    "rubric": {
        "concepts": [
            {"name": "explain analyze", "synonyms": ["query plan", "explain"]},
            {"name": "index", "synonyms": ["b-tree", "indexes"]},
            {"name": "statistics", "synonyms": ["analyze", "pg_stat_statements"]},
        ],
        "score_1": "No method.",
        "score_3": "Uses EXPLAIN and adds an index.",
        "score_5": "Reads the plan, checks statistics, chooses the right index and verifies.",
    },
}


def write(tmp_path, answers):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"questions": [QUESTION], "answers": answers}))
    return path


def run(path, *args):
    from io import StringIO

    out = StringIO()
    call_command("assess_transcript", str(path), *args, stdout=out)
    return out.getvalue()


def test_strong_answer_beats_weak_and_output_is_stable(tmp_path):
    strong = write(
        tmp_path,
        [
            {
                "questionIndex": 0,
                "text": "I start with pg_stat_statements to find it, run EXPLAIN ANALYZE to read the "
                "query plan, then add a b-tree index on the filtered column and re-check the plan.",
            }
        ],
    )
    first, second = json.loads(run(strong)), json.loads(run(strong))
    assert first == second
    weak = json.loads(run(write(tmp_path, [{"questionIndex": 0, "text": "I would ask a colleague."}])))
    assert first["question_scores"][0]["score"] > weak["question_scores"][0]["score"]
    assert first["overall"] > weak["overall"]
    assert any("EXPLAIN ANALYZE" in quote for quote in first["question_scores"][0]["evidence"])
    assert "Overall" in run(strong, "--format", "text")


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "not valid JSON"),
        (json.dumps([1, 2]), "questions"),
        (json.dumps({"questions": [QUESTION], "answers": [{"text": "x"}]}), "questionIndex"),
        (
            json.dumps({"questions": [QUESTION], "answers": [{"questionIndex": 4, "text": "x"}]}),
            "does not exist",
        ),
    ],
)
def test_bad_files_get_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        run(path)
