"""The assessment page and the printable report with spoken answers and the candidate's own questions."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from interviews.models import Recording, Turn
from tests.speech import private_recordings, tone_wav


@pytest.fixture
def spoken(assessed, monkeypatch, tmp_path):
    """The first answer was spoken and its transcript edited; the candidate asked a question at the end."""
    private_recordings(monkeypatch, tmp_path)
    first = assessed.turns.order_by("sequence").first()
    recording = Recording(
        interview=assessed,
        turn=first,
        content_type="audio/wav",
        size=100,
        duration_seconds=1.0,
        status="done",
        text="what the recogniser heard",
    )
    recording.audio.save("answer.wav", ContentFile(tone_wav(0.5)), save=False)
    recording.save()
    Turn.objects.filter(pk=first.pk).update(
        recording=recording, transcript_edited=True, transcript_edit_ratio=0.12
    )
    Turn.objects.create(
        interview=assessed,
        sequence=assessed.turns.count(),
        question_index=assessed.current_plan.questions.count(),
        kind=Turn.Kind.CLOSING,
        question_text="Do you have any questions for us?",
        answer_text="How big is the team I would join?",
        answered_at=timezone.now(),
    )
    return assessed, recording


@pytest.mark.parametrize("page", ["assessment", "report"])
def test_spoken_answers_play_and_say_how_much_was_edited(web, spoken, page):
    interview, recording = spoken
    html = web.get(f"/admin/interviews/{interview.run_id}/{page}").content.decode()
    audio_url = f"/api/v1/a2a/interview/{interview.run_id}/recordings/{recording.id}"
    assert html.count(f'src="{audio_url}"') == 1  # one player, for the one spoken answer
    assert "Transcript edited · 12% changed" in html
    assert "what the recogniser heard" in html
    # The closing question is shown apart, never as a scored question row.
    assert "The candidate’s questions" in html
    assert "How big is the team I would join?" in html
    assert "Do you have any questions for us?" not in html.split("The candidate’s questions")[0]

    audio = web.get(audio_url)
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/wav"


def test_a_deleted_recording_says_so_and_keeps_the_text(web, spoken):
    interview, recording = spoken
    Recording.objects.filter(pk=recording.pk).update(audio="", deleted_at=timezone.now())
    html = web.get(f"/admin/interviews/{interview.run_id}/assessment").content.decode()
    assert "<audio" not in html
    assert "Recording deleted after the retention period" in html


def test_no_closing_answer_yet_is_said_plainly(web, assessed):
    html = web.get(f"/admin/interviews/{assessed.run_id}/assessment").content.decode()
    assert "The interview ended before the closing question." in html
    assert "<audio" not in html
