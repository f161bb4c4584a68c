"""Each question's points, "Needs review" badge, review reasons and prompted concepts
on the assessment page and the printable report (Django test client)."""

from __future__ import annotations

import pytest

from tests.factories import mark_for_review

pytestmark = pytest.mark.django_db


def pages(web, interview) -> list[str]:
    out = []
    for path in (
        f"/admin/interviews/{interview.run_id}/assessment",
        f"/admin/interviews/{interview.run_id}/report",
    ):
        response = web.get(path)
        assert response.status_code == 200, path
        out.append(response.content.decode())
    return out


def test_points_badge_reasons_and_prompted_concepts_are_shown(web, assessed):
    mark_for_review(assessed)
    first = assessed.assessments.get().result["question_scores"][0]
    for html in pages(web, assessed):
        assert "27.5 points · 2/5" in html
        assert f"{first['points']:g} points · {first['score']}/5" in html
        assert html.count('data-testid="needs-review"') == 1
        assert ">Needs review</span>" in html
        assert "Lists terms without explaining them" in html
        assert "Not in English: read it yourself" in html
        assert "Covered only after the follow-up: connection pooling and pool modes" in html
        assert html.count("(after follow-up)") == 2
        assert "✓ process per connection</li>" in html  # covered in the first answer: not marked


def test_every_reason_reads_as_a_sentence(web, assessed):
    score = mark_for_review(assessed)
    codes = ["addressed_to_grader", "negated", "echoes_question", "too_short", "prompted"]
    score.update(review_reasons=codes, prompted_concepts=[])
    assessment = assessed.assessments.get()
    assessment.result["question_scores"][3] = score
    assessment.save(update_fields=["result"])
    for html in pages(web, assessed):
        for text in (
            "Speaks to the grader or the AI; not scored",
            "Named a practice only to reject it",
            "Repeated words from the question",
            "Very short answer",
            "Covered only after the follow-up</li>",
        ):
            assert text in html
        assert "(after follow-up)" not in html


def test_an_assessment_stored_before_review_notes_still_renders(web, assessed):
    assessment = assessed.assessments.get()
    for q in assessment.result["question_scores"]:
        for key in ("points", "needs_review", "review_reasons", "prompted_concepts"):
            q.pop(key, None)
    assessment.save(update_fields=["result"])
    bands = {1: 10, 2: 30, 3: 50, 4: 70, 5: 90}
    for html in pages(web, assessed):
        for q in assessment.result["question_scores"]:
            assert f"{bands[q['score']]} points · {q['score']}/5" in html
        assert "Needs review" not in html and "(after follow-up)" not in html


def test_the_assessment_api_names_the_prompted_concepts(ats, assessed):
    mark_for_review(assessed)
    url = f"/api/v1/a2a/interview/{assessed.run_id}/assessment"
    scores = ats.get(url).json()["questionScores"]
    assert scores[3]["promptedConcepts"] == ["connection pooling", "pool modes"]
    assert scores[3]["needsReview"] is True and "prompted" in scores[3]["reviewReasons"]
    assert all(s["promptedConcepts"] == [] for s in scores[:3])
    assessment = assessed.assessments.get()
    assessment.result["question_scores"][3].pop("prompted_concepts")
    assessment.save(update_fields=["result"])
    assert ats.get(url).json()["questionScores"][3]["promptedConcepts"] == []
