/* Spoken answers: record (pause, resume), finish, upload (with retries), wait for the transcript.
 *
 * The transcript lands in the answer box, where the candidate corrects it and sends it like a typed
 * answer, with the recording's id. Typing stays possible at every moment.
 */
import { $, announce, formatSeconds } from "./ui.js";
import { AnswerRecorder, recordingSupported, uploadRecording } from "./recorder.js";

const POLL_EVERY = 4000;

export function setupVoice(config, hooks) {
  const recorder = new AnswerRecorder();
  const voice = {
    on: false, // decided when the interview starts (the device step sets config.answerMode)
    questionId: null,
    blob: null, // kept until the server has it
    recordingId: null,
    transcript: null,
    ticker: 0,
    poller: 0,
    generation: 0, // bumps on every new question or re-record: late answers of older ones are ignored
  };

  function status(message) {
    $("voice-status").textContent = message;
  }

  function show(ids) {
    ["record", "pause", "stop", "rerecord", "retry-upload"].forEach((id) => {
      $(id).hidden = ids.indexOf(id) < 0;
    });
  }

  function stopTicker() {
    window.clearInterval(voice.ticker);
    voice.ticker = 0;
    $("rec-time").hidden = true;
    $("voice").classList.remove("is-recording", "is-paused");
  }

  function stopPolling() {
    window.clearInterval(voice.poller);
    voice.poller = 0;
  }

  function clearPlayback() {
    const playback = $("playback");
    if (playback.src) {
      URL.revokeObjectURL(playback.src);
    }
    playback.removeAttribute("src");
    playback.hidden = true;
  }

  function reset() {
    voice.generation += 1;
    recorder.cancel();
    stopTicker();
    stopPolling();
    clearPlayback();
    voice.blob = null;
    voice.recordingId = null;
    voice.transcript = null;
    $("record").disabled = false;
    $("record-label").textContent = "Record answer";
    show(["record"]);
    status("");
  }

  function tick() {
    const seconds = recorder.elapsedSeconds();
    $("rec-time").textContent = formatSeconds(seconds);
    if (seconds >= config.maxRecordingSeconds) {
      finish(); // the longest answer the server accepts
    }
  }

  function record() {
    if (!voice.questionId) {
      return;
    }
    $("record").disabled = true;
    status("Starting the microphone…");
    recorder.start().then(
      () => {
        show(["pause", "stop"]);
        $("pause").textContent = "Pause";
        $("voice").classList.add("is-recording");
        $("rec-time").hidden = false;
        tick();
        voice.ticker = window.setInterval(tick, 250);
        status("Recording. Speak your answer, then select “Finish and transcribe”.");
        hooks.stopSpeaking();
        $("stop").focus();
      },
      (error) => {
        $("record").disabled = false;
        status(
          "We could not use your microphone" + (error && error.name ? " (" + error.name + ")" : "") +
            ". Allow it in the browser's site settings and try again, or type your answer below."
        );
      }
    );
  }

  function pauseOrResume() {
    if (recorder.state === "recording") {
      recorder.pause();
      $("pause").textContent = "Resume";
      $("voice").classList.add("is-paused");
      status("Paused. Resume when you are ready, or finish.");
    } else if (recorder.state === "paused") {
      recorder.resume();
      $("pause").textContent = "Pause";
      $("voice").classList.remove("is-paused");
      status("Recording again.");
    }
  }

  function finish() {
    const generation = voice.generation;
    stopTicker();
    recorder.stop().then((blob) => {
      if (generation !== voice.generation) {
        return;
      }
      if (!blob || !blob.size) {
        show(["record"]);
        $("record").disabled = false;
        status("Nothing was recorded. Try again, or type your answer.");
        return;
      }
      voice.blob = blob;
      const playback = $("playback");
      playback.src = URL.createObjectURL(blob);
      playback.hidden = false;
      upload();
    });
  }

  function upload() {
    const generation = voice.generation;
    const blob = voice.blob;
    if (blob.size > config.maxRecordingBytes) {
      show(["rerecord"]);
      status("This recording is too large to upload. Record a shorter answer, or type it.");
      return;
    }
    show(["rerecord"]);
    $("rerecord").disabled = true;
    status("Uploading your recording…");
    const url = config.endpoints.audio.replace("QUESTION_ID", encodeURIComponent(voice.questionId));
    uploadRecording(url, blob, (attempt, total) => {
      if (generation === voice.generation) {
        status("The upload did not go through; trying again (attempt " + attempt + " of " + total + ")…");
      }
    }).then((result) => {
      if (generation !== voice.generation) {
        return;
      }
      $("rerecord").disabled = false;
      if (result.ok) {
        voice.blob = null; // the server has it now
        voice.recordingId = result.data.recordingId;
        status("Turning your answer into text…");
        announce("Recording uploaded. Turning it into text.");
        startPolling();
        return;
      }
      if (result.retry) {
        show(["rerecord", "retry-upload"]);
        status(
          "We could not upload your recording. It is kept on this page: try the upload again when your " +
            "connection is back, or type your answer."
        );
      } else {
        show(["rerecord"]);
        status(result.error.message + " You can record again or type your answer.");
      }
    });
  }

  // The socket brings the transcript; asking now and then covers a socket that was down meanwhile.
  function startPolling() {
    stopPolling();
    const generation = voice.generation;
    const id = voice.recordingId;
    voice.poller = window.setInterval(() => {
      const url = config.endpoints.recording.replace("RECORDING_ID", encodeURIComponent(id));
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : null))
        .then((data) => {
          if (!data || generation !== voice.generation || id !== voice.recordingId) {
            return;
          }
          if (data.status === "done") {
            transcribed({ recordingId: id, questionId: voice.questionId, text: data.text });
          } else if (data.status === "failed") {
            failed({ fields: { recordingId: id } });
          }
        })
        .catch(() => {});
    }, POLL_EVERY);
  }

  function transcribed(frame) {
    if (frame.recordingId !== voice.recordingId || voice.transcript !== null) {
      return;
    }
    stopPolling();
    voice.transcript = frame.text || "";
    show(["rerecord"]);
    if (voice.transcript) {
      status("Here is the text of your answer. Correct anything we misheard, then send it.");
    } else {
      status("We heard no words in the recording. Record again, or type your answer.");
    }
    hooks.useTranscript(voice.transcript);
  }

  function failed(frame) {
    const id = frame.fields && frame.fields.recordingId;
    if (id && id !== voice.recordingId) {
      return;
    }
    stopPolling();
    voice.transcript = "";
    show(["rerecord"]);
    status(
      (frame.message || "We could not turn your recording into text. Please type your answer instead.") +
        " Your recording is kept for the reviewer."
    );
    hooks.focusAnswer();
  }

  function setQuestion(questionId) {
    if (questionId === voice.questionId) {
      return;
    }
    voice.questionId = questionId;
    reset();
  }

  function setBusy(busy) {
    $("record").disabled = busy || !voice.questionId;
  }

  $("record").addEventListener("click", record);
  $("pause").addEventListener("click", pauseOrResume);
  $("stop").addEventListener("click", finish);
  $("rerecord").addEventListener("click", () => {
    reset();
    record();
  });
  $("retry-upload").addEventListener("click", upload);
  // Escape pauses a running recording (every control is a button: Space and Enter work).
  $("voice").addEventListener("keydown", (event) => {
    if (event.key === "Escape" && recorder.state === "recording") {
      pauseOrResume();
    }
  });

  function activate() {
    voice.on = config.answerMode === "voice" && config.voiceAvailable && recordingSupported();
    $("voice").hidden = !voice.on;
  }

  return {
    get on() {
      return voice.on;
    },
    activate,
    recordingId: () => voice.recordingId,
    recording: () => recorder.state !== "inactive",
    setQuestion,
    setBusy,
    transcribed,
    failed,
    reset,
  };
}
