"""Speech to text for real: PocketSphinx on espeak-ng speech, and an OpenAI-compatible server.

The OpenAI path goes through the real openai client to a local fake server
(tests/fake_llm.py), including its failures: a 5xx that outlasts the retries
and a timeout both reach the candidate as transcription_failed.
"""

from __future__ import annotations

import sys
from importlib.util import find_spec
from types import SimpleNamespace

import pytest

from interviews import recordings
from interviews.models import Recording
from interviews.recordings import FAILED_MESSAGE
from interviews.speech import providers
from interviews.speech.decoding import SAMPLE_RATE
from interviews.speech.wer import word_error_rate
from tests.factories import approved_link
from tests.fake_llm import FakeLLM
from tests.live import start_django
from tests.speech import Speaking, encode, private_recordings, spoken_wav, tone_wav

pytestmark = pytest.mark.django_db

SAID = "I measured the latency and found that the cache was too small."


@pytest.fixture
def speaking(ats, recruiter_client, recruiter, capture, monkeypatch, tmp_path, settings):
    private_recordings(monkeypatch, tmp_path)
    interview, token = approved_link(ats, recruiter_client, recruiter, capture)
    return Speaking(interview, token, capture, settings)


@pytest.fixture
def fake_stt(settings):
    with FakeLLM() as fake:
        settings.STT_PROVIDER = "openai-like"
        settings.STT_BASE_URL = fake.url + "/v1"
        settings.STT_MODEL = "whisper-large-v3"
        settings.STT_API_KEY = ""
        settings.STT_TIMEOUT_SECONDS = 5
        settings.STT_MAX_RETRIES = 1
        yield fake


def transcription_requests(fake: FakeLLM) -> list[dict]:
    return [r for r in fake.requests if "file" in r]


def test_pocketsphinx_transcribes_a_spoken_webm_answer(speaking, settings):
    settings.STT_PROVIDER = "pocketsphinx"
    audio = encode(spoken_wav(SAID, rate=48_000), "webm")  # what Chromium's MediaRecorder sends
    recording_id = speaking.upload(audio).json()["recordingId"]

    [frame] = speaking.frames()
    assert frame["type"] == "transcript", frame
    assert frame["recordingId"] == recording_id and frame["questionId"] == speaking.question_id
    # Basic accuracy on synthetic speech (see measure_stt): recognisably the sentence, not exactly it.
    assert "too small" in frame["text"]
    assert word_error_rate(SAID, frame["text"]) < 0.9
    recording = Recording.objects.get(pk=recording_id)
    assert (recording.status, recording.text, recording.provider) == ("done", frame["text"], "pocketsphinx")
    assert speaking.status(recording_id).json()["text"] == frame["text"]


def test_silence_is_a_failed_transcription_not_an_empty_answer(speaking, settings):
    settings.STT_PROVIDER = "pocketsphinx"
    recording_id = speaking.upload(tone_wav(2.0, volume=0), content_type="audio/wav").json()["recordingId"]
    [frame] = speaking.frames()
    assert frame["code"] == "transcription_failed"
    assert Recording.objects.get(pk=recording_id).error == "No words were recognised in the recording."


def test_an_openai_compatible_server_transcribes_through_the_openai_client(speaking, fake_stt):
    fake_stt.transcript = "  I would cache the query results.  "
    recording_id = speaking.upload(encode(spoken_wav(SAID), "mp4"), content_type="audio/mp4").json()[
        "recordingId"
    ]

    assert speaking.frames() == [
        {
            "type": "transcript",
            "questionId": speaking.question_id,
            "recordingId": recording_id,
            "text": "I would cache the query results.",
        }
    ]
    [request] = transcription_requests(fake_stt)
    assert request["model"] == "whisper-large-v3"
    sent = request["file"]
    # The server gets the decoded audio as 16 kHz mono wav, whatever the browser recorded.
    assert sent["content_type"] == "audio/wav" and sent["data"][:4] == b"RIFF"
    assert int.from_bytes(sent["data"][24:28], "little") == SAMPLE_RATE
    assert Recording.objects.get(pk=recording_id).provider == "openai"


def test_a_passing_server_error_is_retried(speaking, fake_stt):
    fake_stt.errors = [503]
    speaking.upload(encode(spoken_wav(SAID), "ogg"), content_type="audio/ogg")
    [frame] = speaking.frames()
    assert frame["type"] == "transcript" and frame["text"] == fake_stt.transcript
    assert len(fake_stt.requests) == 2


def test_server_errors_beyond_the_retries_tell_the_candidate_to_type(speaking, fake_stt):
    fake_stt.errors = [500, 500, 500]
    recording_id = speaking.upload(encode(spoken_wav(SAID), "webm")).json()["recordingId"]
    question_id = speaking.question_id
    assert speaking.frames() == [
        {
            "type": "error",
            "code": "transcription_failed",
            "message": FAILED_MESSAGE,
            "fields": {"recordingId": recording_id, "questionId": question_id},
        }
    ]
    assert len(fake_stt.requests) == 2  # the first try and STT_MAX_RETRIES=1 retry
    recording = Recording.objects.get(pk=recording_id)
    assert recording.status == "failed" and "500" in recording.error
    assert recording.audio.storage.exists(recording.audio.name)  # kept for the recruiter
    assert speaking.status(recording_id).json()["status"] == "failed"


def test_a_server_that_does_not_answer_in_time_fails_the_transcription(speaking, fake_stt, settings):
    settings.STT_TIMEOUT_SECONDS = 1
    settings.STT_MAX_RETRIES = 0
    fake_stt.delay = 3.0
    recording_id = speaking.upload(encode(spoken_wav(SAID), "webm")).json()["recordingId"]
    [frame] = speaking.frames()
    assert frame["code"] == "transcription_failed"
    assert frame["fields"]["recordingId"] == recording_id
    assert "Timeout" in Recording.objects.get(pk=recording_id).error


def test_a_second_run_of_the_job_changes_nothing(speaking, fake_stt):
    recording_id = speaking.upload(encode(spoken_wav(SAID), "webm")).json()["recordingId"]
    assert len(speaking.frames()) == 1
    recordings.transcribe(recording_id)
    assert speaking.frames() == [] and len(transcription_requests(fake_stt)) == 1


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"STT_PROVIDER": "google"}, "STT_PROVIDER"),
        ({"STT_PROVIDER": "openai"}, "STT_API_KEY"),
        ({"STT_PROVIDER": "openai-like", "STT_MODEL": "m"}, "STT_BASE_URL"),
        ({"STT_PROVIDER": "openai-like", "STT_BASE_URL": "http://127.0.0.1:9/v1"}, "STT_MODEL"),
        ({"STT_PROVIDER": "openai", "STT_API_KEY": "k", "STT_BASE_URL": "api.example.com"}, "STT_BASE_URL"),
        pytest.param(
            {"STT_PROVIDER": "whisper"},
            "pip install faster-whisper",
            marks=pytest.mark.skipif(
                find_spec("faster_whisper") is not None, reason="faster-whisper is here"
            ),
        ),
        ({"STT_TIMEOUT_SECONDS": "0"}, "STT_TIMEOUT_SECONDS"),
        ({"RECORDING_MAX_BYTES": "big"}, "RECORDING_MAX_BYTES"),
        ({"RECORDING_RETENTION_DAYS": "0"}, "RECORDING_RETENTION_DAYS"),
        ({"RECORDING_STORAGE": "ftp"}, "RECORDING_STORAGE"),
    ],
)
def test_bad_speech_configuration_fails_at_start_naming_the_variable(env, variable):
    result = start_django(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "env",
    [
        {"STT_PROVIDER": "none"},
        {"STT_PROVIDER": "openai", "STT_API_KEY": "k"},
        {"STT_PROVIDER": "openai-like", "STT_BASE_URL": "http://127.0.0.1:9/v1", "STT_MODEL": "m"},
    ],
)
def test_good_speech_configuration_starts(env):
    result = start_django(env)
    assert result.returncode == 0, result.stderr


def test_whisper_is_built_from_the_settings_and_joins_its_segments(settings, monkeypatch, tmp_path):
    """faster-whisper is not installed here: a stand-in module checks what the provider hands it."""
    calls = {}

    class WhisperModel:
        def __init__(self, name, **options):
            calls["model"] = (name, options)

        def transcribe(self, audio, **options):
            calls["audio"] = audio.read()[:4], options
            return iter(
                [SimpleNamespace(text=" I would cache it. "), SimpleNamespace(text="Then measure.")]
            ), None

    monkeypatch.setitem(sys.modules, "faster_whisper", SimpleNamespace(WhisperModel=WhisperModel))
    settings.STT_PROVIDER, settings.STT_MODEL, settings.STT_MODEL_DIR = "whisper", "base.en", tmp_path
    transcriber = providers.get_transcriber()
    assert transcriber.transcribe(b"\0\0" * SAMPLE_RATE) == "I would cache it. Then measure."
    assert calls["model"] == (
        "base.en",
        {"device": "cpu", "compute_type": "int8", "download_root": str(tmp_path)},
    )
    assert calls["audio"] == (b"RIFF", {"language": "en", "vad_filter": True})
