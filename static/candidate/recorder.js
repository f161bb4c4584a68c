/* Recording one spoken answer with MediaRecorder, and uploading it until the server has it.
 *
 * Chromium and Firefox record webm/opus (or ogg), Safari mp4/aac; the server accepts all of them.
 * The recording stays in memory (a Blob) until an upload succeeds, so a dropped connection loses nothing.
 */

const TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4", "audio/mp4;codecs=mp4a.40.2"];
const RETRY_DELAYS = [1000, 2000, 4000, 8000, 15000];

export function recordingSupported() {
  return !!(window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

function pickType() {
  if (!window.MediaRecorder.isTypeSupported) {
    return "";
  }
  return TYPES.find((type) => window.MediaRecorder.isTypeSupported(type)) || "";
}

export class AnswerRecorder {
  constructor() {
    this.stream = null;
    this.recorder = null;
    this.chunks = [];
    this.startedAt = 0;
    this.elapsedBefore = 0; // milliseconds recorded before the last pause
  }

  // Ask for the microphone and start recording; rejects with the browser's error.
  start() {
    // Noise suppression and automatic gain distort speech for the recogniser more than they help it;
    // echo cancellation stays on (the interviewer's voice may still be playing).
    const audio = { echoCancellation: true, noiseSuppression: false, autoGainControl: false };
    return navigator.mediaDevices.getUserMedia({ audio: audio }).then(
      (stream) => {
        this.stream = stream;
        const type = pickType();
        this.recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
        this.chunks = [];
        this.recorder.addEventListener("dataavailable", (event) => {
          if (event.data && event.data.size) {
            this.chunks.push(event.data);
          }
        });
        this.elapsedBefore = 0;
        this.startedAt = Date.now();
        this.recorder.start(1000); // a chunk a second: a long answer is not one huge buffer at the end
      }
    );
  }

  get state() {
    return this.recorder ? this.recorder.state : "inactive";
  }

  elapsedSeconds() {
    const running = this.state === "recording" ? Date.now() - this.startedAt : 0;
    return (this.elapsedBefore + running) / 1000;
  }

  pause() {
    if (this.state === "recording") {
      this.recorder.pause();
      this.elapsedBefore += Date.now() - this.startedAt;
    }
  }

  resume() {
    if (this.state === "paused") {
      this.startedAt = Date.now();
      this.recorder.resume();
    }
  }

  // Stop and resolve with the whole recording as one Blob; the microphone is released.
  stop() {
    return new Promise((resolve) => {
      if (!this.recorder || this.state === "inactive") {
        this.release();
        resolve(null);
        return;
      }
      const recorder = this.recorder;
      this.elapsedBefore += this.state === "recording" ? Date.now() - this.startedAt : 0;
      recorder.addEventListener(
        "stop",
        () => {
          const type = (recorder.mimeType || this.chunks[0]?.type || "audio/webm").split(";")[0];
          const blob = new Blob(this.chunks, { type: type });
          this.chunks = [];
          this.release();
          resolve(blob);
        },
        { once: true }
      );
      recorder.stop();
    });
  }

  // Throw away whatever is being recorded.
  cancel() {
    if (this.recorder && this.state !== "inactive") {
      try {
        this.recorder.stop();
      } catch (e) {
        /* already stopped */
      }
    }
    this.chunks = [];
    this.release();
  }

  release() {
    if (this.stream) {
      this.stream.getTracks().forEach((track) => track.stop());
    }
    this.stream = null;
    this.recorder = null;
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function wait(ms) {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}

// One upload attempt: {ok, status, data | error, retry}.
function sendOnce(url, blob) {
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": blob.type || "audio/webm", Accept: "application/json", "X-CSRFToken": csrfToken() },
    body: blob,
  }).then(
    (response) =>
      response.text().then((text) => {
        let data = null;
        try {
          data = text ? JSON.parse(text) : {};
        } catch (e) {
          data = null;
        }
        if (response.ok) {
          return { ok: true, status: response.status, data: data || {} };
        }
        const error = (data && data.error) || {
          code: "http_" + response.status,
          message: "The upload failed on our side.",
          fields: {},
        };
        // Server trouble and throttling are worth another try; a refusal of this audio is not.
        const retry = response.status >= 500 || response.status === 429 || response.status === 408;
        return { ok: false, status: response.status, error: error, retry: retry };
      }),
    () => ({
      ok: false,
      status: 0,
      error: { code: "network", message: "We could not reach the server.", fields: {} },
      retry: true,
    })
  );
}

// Upload with retries and backoff; ``onAttempt(n, total)`` is told before each try after the first.
export async function uploadRecording(url, blob, onAttempt) {
  let result = await sendOnce(url, blob);
  for (let i = 0; !result.ok && result.retry && i < RETRY_DELAYS.length; i++) {
    await wait(RETRY_DELAYS[i]);
    if (onAttempt) {
      onAttempt(i + 2, RETRY_DELAYS.length + 1);
    }
    result = await sendOnce(url, blob);
  }
  return result;
}
