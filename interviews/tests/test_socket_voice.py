"""A spoken answer end to end: a real daphne server and Celery worker, PocketSphinx, the socket."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiKey
from interviews.models import Recording, Turn
from interviews.speech.wer import word_error_rate
from tests.candidate_client import Candidate, recv
from tests.factories import bearer_client
from tests.live import create_approved, live_stack
from tests.services import redis_url
from tests.speech import encode, private_recordings, spoken_wav

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SAID = "I measured the latency and found that the cache was too small."


def next_of(ws, kind: str) -> dict:
    """The next frame of ``kind``, past the introduction and the thread a (re)connect begins with."""
    while True:
        frame = recv(ws, timeout=60)
        if frame["type"] == kind:
            return frame
        assert frame["type"] in ("intro", "history"), frame


def test_a_spoken_answer_is_transcribed_corrected_and_sent(tmp_path, org, recruiter, monkeypatch):
    _, raw_key = ApiKey.create_with_raw(org, "ATS")
    ats = APIClient()
    ats.credentials(HTTP_X_API_KEY=raw_key)
    with live_stack(redis_url(), tmp_path, STT_PROVIDER="pocketsphinx") as (base_url, _env, data_dir):
        run_id, token = create_approved(ats, recruiter, "https://ats.example.com/hook")
        candidate = Candidate(base_url, token, data_dir)
        candidate.verify()
        with candidate.socket() as ws:
            question = next_of(ws, "question")
            audio = encode(spoken_wav(SAID, rate=48_000), "webm")
            uploaded = candidate.http.post(
                f"{base_url}/api/v1/candidate/join/{token}/answers/{question['questionId']}/audio",
                data=audio,
                headers={"Content-Type": "audio/webm;codecs=opus"},
                timeout=30,
            )
            assert uploaded.status_code == 202, uploaded.text
            recording_id = uploaded.json()["recordingId"]

            transcript = next_of(ws, "transcript")
            assert transcript["recordingId"] == recording_id
            assert transcript["questionId"] == question["questionId"]
            assert word_error_rate(SAID, transcript["text"]) < 0.9, transcript["text"]
            polled = candidate.http.get(
                f"{base_url}/api/v1/candidate/join/{token}/recordings/{recording_id}", timeout=10
            ).json()
            assert polled["status"] == "done" and polled["text"] == transcript["text"]

            # The candidate corrects the transcript and sends it.
            ws.send(
                json.dumps(
                    {
                        "type": "answer",
                        "questionId": question["questionId"],
                        "text": SAID,
                        "recordingId": recording_id,
                    }
                )
            )
            assert next_of(ws, "question")["questionId"] != question["questionId"]

        turn = Turn.objects.get(recording_id=recording_id)
        assert turn.answer_text == SAID and turn.transcript_edited is True
        assert 0 < turn.transcript_edit_ratio <= 1  # the share of characters changed
        private_recordings(monkeypatch, data_dir)  # this process reads the server's folder
        stored = Recording.objects.get(pk=recording_id)
        assert (data_dir / "recordings" / stored.audio.name).read_bytes() == audio

        heard = bearer_client(recruiter).get(f"/api/v1/a2a/interview/{run_id}/recordings/{recording_id}")
        assert heard.status_code == 200 and heard["Content-Type"] == "audio/webm"
