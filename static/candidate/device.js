/* Step 3: how the candidate answers. Voice asks for the microphone (and checks it hears something);
 * typing needs no device at all. The camera is only an optional preview: nothing is recorded from it. */
import { postJSON } from "./api.js";
import { $, LINK_PROBLEMS, announce, setBusy, showMessage } from "./ui.js";
import { currentStep, onLeave, showStep } from "./steps.js";

const BLOCKED = ["NotAllowedError", "SecurityError"];
const MISSING = ["NotFoundError", "OverconstrainedError"];
const BUSY = ["NotReadableError", "AbortError"];

let microphone = null; // the stream of the microphone check
let camera = null; // the stream of the optional preview
let audioContext = null;
let meterFrame = 0;
let heardSound = false;

function setCheck(state, text) {
  $("check-microphone").dataset.state = state;
  $("microphone-result").textContent = text;
}

function stopTracks(stream) {
  if (stream) {
    stream.getTracks().forEach((track) => track.stop());
  }
}

function stopMicrophone() {
  if (meterFrame) {
    window.cancelAnimationFrame(meterFrame);
    meterFrame = 0;
  }
  if (audioContext) {
    audioContext.close().catch(() => {});
    audioContext = null;
  }
  stopTracks(microphone);
  microphone = null;
  $("mic-level").style.transform = "scaleX(0)";
}

function stopCamera() {
  stopTracks(camera);
  camera = null;
  $("preview").srcObject = null;
  $("preview-box").classList.remove("is-live");
  $("camera-toggle").setAttribute("aria-pressed", "false");
  $("camera-toggle").textContent = "Show camera preview";
  $("camera-result").textContent = "Camera off";
}

export function stopMedia() {
  stopMicrophone();
  stopCamera();
}

function problem(error, device) {
  const name = error && error.name;
  if (BLOCKED.includes(name)) {
    return {
      short: "Blocked by the browser",
      help:
        "Your browser blocked the " + device + ". Click the icon in the address bar (or open the site " +
        "settings), allow the " + device + ", then try again.",
    };
  }
  if (MISSING.includes(name)) {
    return { short: "Not found", help: "We could not find a " + device + ". Connect one, then try again." };
  }
  if (BUSY.includes(name)) {
    return {
      short: "In use by another application",
      help: "Your " + device + " is in use by another application (for example a video call). Close it, then try again.",
    };
  }
  return {
    short: "Not working",
    help: "We could not start your " + device + (name ? " (" + name + ")" : "") + ". Try again, or try another browser.",
  };
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

function mediaAvailable() {
  return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

export function setupDevice(config, flow) {
  const found = { microphone: false, camera: false, microphoneLabel: "", microphoneError: "" };

  function mode() {
    const checked = document.querySelector('input[name="mode"]:checked');
    return checked ? checked.value : null;
  }

  // Start is possible with typing at once, with voice once the microphone works.
  function updateStart() {
    const chosen = mode();
    const ready = chosen === "typing" || (chosen === "voice" && found.microphone);
    $("start").disabled = !ready;
    $("mic-panel").hidden = chosen !== "voice";
    if (chosen === "typing") {
      $("start-hint").textContent = "All set: you will type your answers. The first question appears as soon as you start.";
    } else if (chosen === "voice") {
      $("start-hint").textContent = found.microphone
        ? "All set: you will speak your answers (typing stays available)."
        : "Check your microphone first, or choose to type your answers.";
    } else {
      $("start-hint").textContent = "Choose how you will answer.";
    }
  }

  function chooseTyping(message) {
    stopMicrophone();
    $("mode-typing").checked = true;
    updateStart();
    if (message) {
      showMessage($("device-info"), message);
      announce(message);
    }
  }

  function checkMicrophone() {
    const button = $("device-check");
    showMessage($("device-help"), "");
    showMessage($("device-info"), "");
    stopMicrophone();
    found.microphone = false;
    heardSound = false;
    $("mic-hint").textContent = "Say something: the bar moves when we hear you.";
    updateStart();
    if (!mediaAvailable()) {
      setCheck("fail", "Not available");
      showMessage($("device-help"), "This browser cannot use a microphone on this page. You can type your answers.");
      return;
    }
    setBusy(button, true, "Checking…");
    setCheck("checking", "Waiting for permission…");
    navigator.mediaDevices.getUserMedia({ audio: true }).then(
      (stream) => {
        setBusy(button, false);
        button.textContent = "Check again";
        if (currentStep() !== "device" || mode() !== "voice") {
          stopTracks(stream); // the candidate moved on while the browser was asking
          return;
        }
        microphone = stream;
        const track = stream.getAudioTracks()[0];
        found.microphone = !!(track && track.readyState === "live");
        found.microphoneLabel = track ? String(track.label || "").slice(0, 120) : "";
        setCheck(found.microphone ? "ok" : "fail", found.microphone ? "Working" : "Not working");
        if (found.microphone) {
          startMeter(track);
          announce("Your microphone works. You can start the interview.");
        }
        updateStart();
      },
      (error) => {
        setBusy(button, false);
        button.textContent = "Check again";
        const what = problem(error, "microphone");
        found.microphoneError = error && error.name ? error.name : "error";
        setCheck("fail", what.short);
        showMessage($("device-help"), what.help + " Or choose “I can’t use a microphone” to type instead.");
        updateStart();
      }
    );
  }

  function toggleCamera() {
    if (camera) {
      stopCamera();
      return;
    }
    if (!mediaAvailable()) {
      $("camera-result").textContent = "Not available in this browser";
      return;
    }
    $("camera-result").textContent = "Waiting for permission…";
    navigator.mediaDevices.getUserMedia({ video: true }).then(
      (stream) => {
        if (currentStep() !== "device") {
          stopTracks(stream);
          return;
        }
        camera = stream;
        found.camera = true;
        $("preview").srcObject = stream;
        $("preview-box").classList.add("is-live");
        $("camera-toggle").setAttribute("aria-pressed", "true");
        $("camera-toggle").textContent = "Turn the preview off";
      },
      (error) => {
        $("camera-result").textContent = problem(error, "camera").short + ". The camera is not needed.";
      }
    );
  }

  function enter() {
    showStep("device");
    const remembered = config.answerMode || (config.voiceAvailable ? null : "typing");
    if (remembered === "typing") {
      $("mode-typing").checked = true;
    } else if (remembered === "voice") {
      $("mode-voice").checked = true;
    }
    updateStart();
  }

  function start() {
    const chosen = mode();
    if (!chosen) {
      return;
    }
    const button = $("start");
    const body = {
      camera: found.camera,
      microphone: chosen === "voice" && found.microphone,
      details: { mode: chosen, microphone: found.microphoneLabel, microphoneError: found.microphoneError },
    };
    setBusy(button, true, "Starting…");
    postJSON(config.endpoints.deviceCheck, body).then((result) => {
      setBusy(button, false);
      if (result.ok && result.data.ready) {
        config.deviceOk = true;
        config.answerMode = chosen;
        flow.enterInterview();
        return;
      }
      const error = result.ok ? { code: "", message: "Something went wrong. Please try again." } : result.error;
      if (LINK_PROBLEMS.indexOf(error.code) >= 0) {
        flow.linkProblem(error);
      } else if (error.code === "not_verified") {
        flow.backToWelcome("Your session has ended. Send yourself a new code to continue.");
      } else {
        showMessage($("device-help"), error.message);
      }
    });
  }

  document.querySelectorAll('input[name="mode"]').forEach((input) =>
    input.addEventListener("change", () => {
      showMessage($("device-help"), "");
      showMessage($("device-info"), "");
      if (mode() === "voice" && !found.microphone) {
        checkMicrophone();
      } else if (mode() === "typing") {
        stopMicrophone();
        found.microphone = false;
        setCheck("idle", "Not checked yet");
      }
      updateStart();
    })
  );
  $("device-check").addEventListener("click", checkMicrophone);
  $("no-microphone").addEventListener("click", () =>
    chooseTyping("No problem: you will type your answers. Nothing else is needed.")
  );
  $("camera-toggle").addEventListener("click", toggleCamera);
  $("start").addEventListener("click", start);

  // The camera light and the microphone must go off as soon as the step is left, and when the page goes away.
  onLeave("device", stopMedia);
  window.addEventListener("pagehide", stopMedia);

  return { enter };
}
