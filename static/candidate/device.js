/* Step 3: the camera and microphone check: a preview, a level meter, and what to do when one fails. */
import { postJSON } from "./api.js";
import { $, LINK_PROBLEMS, announce, setBusy, showMessage } from "./ui.js";
import { currentStep, onLeave, showStep } from "./steps.js";

const BLOCKED = ["NotAllowedError", "SecurityError"];
const MISSING = ["NotFoundError", "OverconstrainedError"];
const BUSY = ["NotReadableError", "AbortError"];

let media = null;
let audioContext = null;
let meterFrame = 0;
let heardSound = false;

function setCheck(kind, state, text) {
  $("check-" + kind).dataset.state = state;
  $(kind + "-result").textContent = text;
}

export function stopMedia() {
  if (meterFrame) {
    window.cancelAnimationFrame(meterFrame);
    meterFrame = 0;
  }
  if (audioContext) {
    audioContext.close().catch(() => {});
    audioContext = null;
  }
  if (media) {
    media.getTracks().forEach((track) => track.stop());
    media = null;
  }
  $("preview").srcObject = null;
  $("preview-box").classList.remove("is-live");
  $("mic-level").style.transform = "scaleX(0)";
}

function getMedia(constraints) {
  return navigator.mediaDevices.getUserMedia(constraints);
}

// Ask for both devices; when that fails for a missing or busy device, ask for each alone to say which.
function acquire() {
  return getMedia({ video: true, audio: true }).then(
    (stream) => ({ stream: stream, videoError: null, audioError: null }),
    (error) => {
      if (BLOCKED.includes(error.name)) {
        return { stream: null, videoError: error, audioError: error };
      }
      let tracks = [];
      const outcome = { stream: null, videoError: null, audioError: null };
      return getMedia({ video: true })
        .then(
          (s) => {
            tracks = tracks.concat(s.getTracks());
          },
          (e) => {
            outcome.videoError = e;
          }
        )
        .then(() => getMedia({ audio: true }))
        .then(
          (s) => {
            tracks = tracks.concat(s.getTracks());
          },
          (e) => {
            outcome.audioError = e;
          }
        )
        .then(() => {
          outcome.stream = tracks.length ? new MediaStream(tracks) : null;
          return outcome;
        });
    }
  );
}

function deviceHelp(error, device) {
  const name = error && error.name;
  if (BLOCKED.includes(name)) {
    return (
      "Your browser blocked the camera and microphone. Click the camera icon in the address bar " +
      "(or open the site settings), allow both, then select “Check again”."
    );
  }
  if (MISSING.includes(name)) {
    return "We could not find a " + device + ". Connect one, then select “Check again”.";
  }
  if (BUSY.includes(name)) {
    return (
      "Your " + device + " is in use by another application (for example a video call). " +
      "Close it, then select “Check again”."
    );
  }
  return (
    "We could not start your " + device + (name ? " (" + name + ")" : "") +
    ". Select “Check again”, or try another browser."
  );
}

function failure(error) {
  const name = error && error.name;
  if (BLOCKED.includes(name)) {
    return "Blocked by the browser";
  }
  if (MISSING.includes(name)) {
    return "Not found";
  }
  if (BUSY.includes(name)) {
    return "In use by another application";
  }
  return "Not working";
}

function startMeter(track) {
  const AudioContextClass = window.AudioContext || window.webkitAudioContext;
  if (!AudioContextClass) {
    return;
  }
  audioContext = new AudioContextClass();
  const source = audioContext.createMediaStreamSource(new MediaStream([track]));
  const analyser = audioContext.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Uint8Array(analyser.fftSize);
  const fill = $("mic-level");
  function draw() {
    analyser.getByteTimeDomainData(samples);
    let sum = 0;
    for (let i = 0; i < samples.length; i++) {
      const v = (samples[i] - 128) / 128;
      sum += v * v;
    }
    const level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
    fill.style.transform = "scaleX(" + level.toFixed(3) + ")";
    if (level > 0.05 && !heardSound) {
      heardSound = true;
      $("mic-hint").textContent = "We can hear you.";
    }
    meterFrame = window.requestAnimationFrame(draw);
  }
  if (audioContext.state === "suspended") {
    audioContext.resume().catch(() => {});
  }
  draw();
}

function trackLabel(track) {
  return track ? String(track.label || "").slice(0, 120) : "";
}

// Show what the browser gave; returns what the server is told.
function showOutcome(outcome) {
  media = outcome.stream;
  const video = media && media.getVideoTracks()[0];
  const audio = media && media.getAudioTracks()[0];
  const camera = !!(video && video.readyState === "live");
  const microphone = !!(audio && audio.readyState === "live");
  if (camera) {
    $("preview").srcObject = new MediaStream([video]);
    $("preview-box").classList.add("is-live");
    setCheck("camera", "ok", "Working");
  } else {
    setCheck("camera", "fail", failure(outcome.videoError));
  }
  if (microphone) {
    startMeter(audio);
    setCheck("microphone", "ok", "Working");
  } else {
    setCheck("microphone", "fail", failure(outcome.audioError));
  }
  const problems = [];
  if (!camera) {
    problems.push(deviceHelp(outcome.videoError, "camera"));
  }
  if (!microphone && !(outcome.audioError && outcome.audioError === outcome.videoError && !camera)) {
    problems.push(deviceHelp(outcome.audioError, "microphone"));
  }
  showMessage($("device-help"), problems.join(" "));
  const details = { camera: trackLabel(video), microphone: trackLabel(audio) };
  if (outcome.videoError) {
    details.cameraError = outcome.videoError.name;
  }
  if (outcome.audioError) {
    details.microphoneError = outcome.audioError.name;
  }
  return { camera, microphone, details };
}

export function setupDevice(config, flow) {
  function enter() {
    showStep("device");
    if (config.deviceOk) {
      // Checked earlier in this session: the candidate may start right away, or check again.
      setCheck("camera", "ok", "Checked earlier");
      setCheck("microphone", "ok", "Checked earlier");
      $("start").disabled = false;
      $("device-check").textContent = "Check again";
      showMessage(
        $("device-info"),
        "Your camera and microphone were already checked. You can start the interview."
      );
      $("start-hint").textContent = "All set. The first question appears as soon as you start.";
    }
  }

  function record(camera, microphone, details) {
    const body = { camera: camera, microphone: microphone, details: details };
    postJSON(config.endpoints.deviceCheck, body).then((result) => {
      if (result.ok) {
        config.deviceOk = !!result.data.ready;
        $("start").disabled = !result.data.ready;
        if (result.data.ready) {
          $("start-hint").textContent = "All set. The first question appears as soon as you start.";
          announce("Camera and microphone work. You can start the interview.");
        } else {
          $("start-hint").textContent = "You can start once both your camera and microphone work.";
          announce("The check found a problem. See the help below.");
        }
        return;
      }
      const error = result.error;
      if (LINK_PROBLEMS.indexOf(error.code) >= 0) {
        flow.linkProblem(error);
      } else if (error.code === "not_verified") {
        flow.backToWelcome("Your session has ended. Send yourself a new code to continue.");
      } else {
        showMessage($("device-help"), error.message);
      }
    });
  }

  $("device-check").addEventListener("click", () => {
    const button = $("device-check");
    showMessage($("device-help"), "");
    showMessage($("device-info"), "");
    $("start").disabled = true;
    stopMedia();
    heardSound = false;
    $("mic-hint").textContent = "Say something: the bar moves when we hear you.";
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      setCheck("camera", "fail", "Not available");
      setCheck("microphone", "fail", "Not available");
      showMessage(
        $("device-help"),
        "This browser cannot use a camera on this page. Open the link in a recent Chrome, Edge, Firefox or Safari."
      );
      record(false, false, { error: "unsupported" });
      return;
    }
    setBusy(button, true, "Checking…");
    setCheck("camera", "checking", "Waiting for permission…");
    setCheck("microphone", "checking", "Waiting for permission…");
    acquire().then((outcome) => {
      setBusy(button, false);
      button.textContent = "Check again";
      // The candidate may have left the step while the browser was asking.
      if (currentStep() !== "device") {
        if (outcome.stream) {
          outcome.stream.getTracks().forEach((t) => t.stop());
        }
        return;
      }
      const checked = showOutcome(outcome);
      record(checked.camera, checked.microphone, checked.details);
    });
  });

  $("start").addEventListener("click", () => {
    if (config.deviceOk) {
      flow.enterInterview();
    }
  });

  // The camera light must go off as soon as the check is left, and when the page goes away.
  onLeave("device", stopMedia);
  window.addEventListener("pagehide", stopMedia);

  return { enter };
}
