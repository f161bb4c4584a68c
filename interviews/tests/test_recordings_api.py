"""Spoken answers through the API: the upload and its refusals, the transcript, the recruiter's copy."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from interviews import joining, live, recordings
from interviews.models import CandidateSession, Recording, State, Turn
from tests.factories import CREATE, api_key_client, approved_link
from tests.speech import Speaking, encode, private_recordings, tone_wav

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path, monkeypatch):
    private_recordings(monkeypatch, tmp_path)
    settings.STT_PROVIDER = "pocketsphinx"  # offline; what it hears is tested in test_speech.py


@pytest.fixture
def speaking(ats, recruiter_client, recruiter, capture, settings):
    interview, token = approved_link(ats, recruiter_client, recruiter, capture)
    return Speaking(interview, token, capture, settings)


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    if field:
        assert field in error["fields"], error
    return error


def test_a_spoken_answer_is_stored_privately_and_its_status_can_be_asked(speaking, settings, tmp_path):
    audio = encode(tone_wav(1.5, volume=0), "webm")  # silence: no words to recognise
    response = speaking.upload(audio)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "transcribing"
    recording = Recording.objects.get(pk=body["recordingId"])
    assert recording.content_type == "audio/webm" and recording.size == len(audio)
    assert recording.duration_seconds == pytest.approx(1.5, abs=0.1)
    stored = tmp_path / "recordings" / recording.audio.name
    assert stored.read_bytes() == audio
    # The job ran, heard no words, and the candidate is told to type instead.
    assert speaking.frames() == [
        {
            "type": "error",
            "code": "transcription_failed",
            "message": recordings.FAILED_MESSAGE,
            "fields": {"recordingId": str(recording.id), "questionId": speaking.question_id},
        }
    ]
    status = speaking.status(recording.id).json()
    assert status == {
        "recordingId": str(recording.id),
        "questionId": speaking.question_id,
        "status": "failed",
        "text": "",
    }
    assert stored.exists()  # a failed transcription keeps the recording


@pytest.mark.parametrize(
    "container, content_type", [("ogg", "audio/ogg"), ("mp4", "audio/mp4"), ("wav", "audio/wav")]
)
def test_every_browser_format_is_accepted(speaking, container, content_type):
    response = speaking.upload(encode(tone_wav(1.0), container), content_type=content_type)
    assert response.status_code == 202, response.content


def test_bad_audio_is_refused_and_nothing_is_stored(speaking, tmp_path):
    webm = encode(tone_wav(2.0), "webm")
    wav = tone_wav(2.0)
    cases = {
        "empty": b"",
        "not audio": b"%PDF-1.7 definitely not a recording" * 50,
        "truncated webm": webm[: len(webm) // 2],
        "truncated wav": wav[: len(wav) // 2],
        "header only": webm[:40],
    }
    for name, data in cases.items():
        error = assert_error(speaking.upload(data), 400, "bad_audio", "audio")
        assert error["fields"]["audio"], name
    assert not Recording.objects.exists()
    assert not (tmp_path / "recordings").exists() or not any((tmp_path / "recordings").rglob("*.*"))


def test_no_uploads_when_speech_to_text_is_off(speaking, settings):
    settings.STT_PROVIDER = "none"
    assert_error(speaking.upload(tone_wav(), content_type="audio/wav"), 409, "speech_disabled")
    assert not Recording.objects.exists()


def test_a_wrong_type_is_refused(speaking):
    assert_error(speaking.upload(b"{}", content_type="application/json"), 415, "unsupported_media_type")
    error = assert_error(
        speaking.upload(tone_wav(), content_type="video/webm"), 415, "unsupported_media_type"
    )
    assert error["fields"]["Content-Type"] == "video/webm"
    assert not Recording.objects.exists()


def test_an_oversized_recording_is_refused_before_it_is_read(speaking, settings):
    settings.RECORDING_MAX_BYTES = 4096
    error = assert_error(speaking.upload(tone_wav(1.0)), 413, "too_large", "maxBytes")
    assert error["fields"]["maxBytes"] == 4096
    assert_error(speaking.upload(b"x", CONTENT_LENGTH="lots"), 400, "validation_error", "Content-Length")
    assert not Recording.objects.exists()


def test_a_recording_longer_than_allowed_is_refused(speaking, settings):
    settings.RECORDING_MAX_SECONDS = 10
    assert_error(speaking.upload(tone_wav(11.0), content_type="audio/wav"), 400, "bad_audio")


def test_re_recording_has_a_limit(speaking, monkeypatch):
    monkeypatch.setattr(recordings, "MAX_RECORDINGS_PER_QUESTION", 2)
    for _ in range(2):
        assert speaking.upload(tone_wav(), content_type="audio/wav").status_code == 202
    error = assert_error(speaking.upload(tone_wav(), content_type="audio/wav"), 429, "too_many_recordings")
    assert error["fields"] == {"maxRecordings": 2}
    assert Recording.objects.count() == 2


def test_only_the_question_being_asked_takes_a_recording(speaking):
    error = assert_error(speaking.upload(tone_wav(), question_id="q7"), 409, "out_of_turn")
    assert error["fields"] == {"expected": speaking.question_id}


def test_no_recording_after_the_interview_is_over(speaking):
    question_id = speaking.question_id
    CandidateSession.objects.filter(interview=speaking.interview).update(completed_at=timezone.now())
    assert_error(speaking.upload(tone_wav(), question_id=question_id), 409, "completed")
    speaking.interview.state = State.ASSESSMENT_PENDING
    speaking.interview.save(update_fields=["state"])
    assert_error(speaking.upload(tone_wav(), question_id=question_id), 409, "completed")


def test_uploads_need_the_verified_session_and_csrf(speaking):
    url = f"/api/v1/candidate/join/{speaking.token}/answers/{speaking.question_id}/audio"
    no_csrf = speaking.browser.post(url, tone_wav(), content_type="audio/wav")
    assert no_csrf.status_code == 403
    stranger = Client()
    assert_error(stranger.post(url, tone_wav(), content_type="audio/wav"), 403, "not_verified")
    assert_error(stranger.get(f"/api/v1/candidate/join/{speaking.token}/recordings/x"), 403, "not_verified")
    assert_error(speaking.status("not-a-uuid"), 404, "not_found")


def test_the_answer_links_its_recording_and_how_much_the_transcript_was_edited(speaking):
    recording_id = speaking.upload(tone_wav(), content_type="audio/wav").json()["recordingId"]
    Recording.objects.filter(pk=recording_id).update(status="done", text="i used pie test fixtures")
    question_id = speaking.question_id
    with speaking.capture(execute=True):
        live.store_answer(speaking.interview.id, question_id, "I used pytest fixtures", recording_id)
    turn = Turn.objects.get(interview=speaking.interview, sequence=int(question_id[1:]))
    assert str(turn.recording_id) == recording_id
    assert turn.transcript_edited is True
    assert 0 < turn.transcript_edit_ratio < 0.5

    # The next answer sends the transcript as it came: not edited.
    recording_id = speaking.upload(tone_wav(), content_type="audio/wav").json()["recordingId"]
    Recording.objects.filter(pk=recording_id).update(status="done", text="yes")
    with speaking.capture(execute=True):
        live.store_answer(speaking.interview.id, speaking.question_id, "yes", recording_id)
    turn = Turn.objects.get(recording_id=recording_id)
    assert turn.transcript_edited is False and turn.transcript_edit_ratio == 0


def test_an_answer_naming_another_questions_recording_is_refused(speaking):
    first = speaking.question_id
    recording_id = speaking.upload(tone_wav(), content_type="audio/wav").json()["recordingId"]
    with speaking.capture(execute=True):
        live.store_answer(speaking.interview.id, first, "typed instead")
    with pytest.raises(joining.CodeProblem) as refused:
        live.store_answer(speaking.interview.id, speaking.question_id, "hello", recording_id)
    assert refused.value.code == "bad_recording"


def test_recruiters_and_the_api_key_get_the_audio_outsiders_do_not(
    speaking, recruiter_client, outsider_client, api_key, other_api_key
):
    audio = encode(tone_wav(1.0), "mp4")
    recording_id = speaking.upload(audio, content_type="audio/mp4").json()["recordingId"]
    url = f"{CREATE}/{speaking.interview.run_id}/recordings/{recording_id}"
    for client in (recruiter_client, api_key_client(api_key)):
        response = client.get(url, HTTP_ACCEPT="audio/*")
        assert response.status_code == 200
        assert response["Content-Type"] == "audio/mp4"
        assert b"".join(response.streaming_content) == audio
    part = recruiter_client.get(url, HTTP_RANGE="bytes=0-9")
    assert part.status_code == 206 and part.content == audio[:10]
    assert part["Content-Range"] == f"bytes 0-9/{len(audio)}"
    assert recruiter_client.get(url, HTTP_RANGE="bytes=-5").content == audio[-5:]
    assert recruiter_client.get(url, HTTP_RANGE=f"bytes=10-{len(audio) + 99}").content == audio[10:]
    assert_error(recruiter_client.get(url, HTTP_RANGE=f"bytes={len(audio)}-"), 416, "range_not_satisfiable")
    for ignored in ("bytes=9-3", "bytes=0-1,5-9", "lines=1-2"):
        whole = recruiter_client.get(url, HTTP_RANGE=ignored)
        assert whole.status_code == 200 and b"".join(whole.streaming_content) == audio
    for client in (outsider_client, api_key_client(other_api_key)):
        assert_error(client.get(url), 404, "not_found")
    assert_error(Client().get(url), 401, "unauthenticated")
    assert_error(
        recruiter_client.get(f"{CREATE}/{speaking.interview.run_id}/recordings/nope"), 404, "not_found"
    )


def test_recordings_are_deleted_after_the_retention_period(speaking, recruiter_client, settings, tmp_path):
    settings.RECORDING_RETENTION_DAYS = 30
    recording_id = speaking.upload(tone_wav(), content_type="audio/wav").json()["recordingId"]
    stored = tmp_path / "recordings" / Recording.objects.get(pk=recording_id).audio.name
    assert recordings.purge_expired() == 0 and stored.exists()
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        from interviews import tasks

        assert tasks.purge_recordings.delay().get() == 1
    assert not stored.exists()
    recording = Recording.objects.get(pk=recording_id)
    assert recording.deleted_at and not recording.audio
    url = f"{CREATE}/{speaking.interview.run_id}/recordings/{recording_id}"
    assert_error(recruiter_client.get(url), 410, "recording_deleted")
    assert recordings.purge_expired() == 0
    assert "interviews.tasks.purge_recordings" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_the_assessment_lists_each_answers_recording_and_the_candidates_questions(assessed, ats, tmp_path):
    first = assessed.turns.order_by("sequence").first()
    recording = Recording.objects.create(
        interview=assessed,
        turn=first,
        content_type="audio/wav",
        size=10,
        duration_seconds=1.0,
        status="done",
        text=first.answer_text.lower(),
    )
    Turn.objects.filter(pk=first.pk).update(
        recording=recording, transcript_edited=True, transcript_edit_ratio=0.1
    )
    closing = Turn.objects.create(
        interview=assessed,
        sequence=assessed.turns.count(),
        question_index=first.question_index,
        kind=Turn.Kind.CLOSING,
        question_text="Do you have any questions for us?",
        answer_text="How big is the team?",
        answered_at=timezone.now(),
    )

    body = ats.get(f"{CREATE}/{assessed.run_id}/assessment").json()
    answers = body["answers"]
    assert [a["questionId"] for a in answers] == [
        t.public_id for t in assessed.turns.exclude(kind="closing").order_by("sequence")
    ]
    assert answers[0]["recordingId"] == str(recording.id)
    assert answers[0]["transcriptEdited"] is True and answers[0]["transcriptEditRatio"] == 0.1
    assert answers[1]["recordingId"] is None and answers[1]["transcriptEdited"] is None  # typed
    assert body["candidateQuestions"] == [
        {
            "questionId": closing.public_id,
            "questionIndex": closing.question_index,
            "kind": "closing",
            "question": "Do you have any questions for us?",
            "answer": "How big is the team?",
            "recordingId": None,
            "transcriptEdited": None,
            "transcriptEditRatio": None,
        }
    ]
