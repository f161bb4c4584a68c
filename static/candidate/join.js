/* The candidate's join page: consent → email code → camera/microphone check → live interview → done.
 *
 * Plain JavaScript, no framework and no build step. The server renders every step; this file only
 * shows one at a time and talks to the JSON endpoints and the interview socket. Configuration comes
 * from the <script type="application/json" id="config"> block, so the page needs no inline script.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("config").textContent);

  function $(id) {
    return document.getElementById(id);
  }

  // Codes with which the link itself is refused (by the endpoints or the socket): retrying cannot help.
  var LINK_PROBLEMS = ["unknown", "expired", "cancelled", "used", "unavailable", "not_found"];
  var STEPS = ["welcome", "code", "device", "interview", "done", "problem"];
  var STEPPER_ORDER = ["welcome", "code", "device", "interview"];
  var currentStep = null;

  // ---- small helpers -------------------------------------------------------------------------

  function announce(message) {
    // Clearing first makes screen readers repeat a message that happens to be the same as the last.
    var region = $("status");
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = message;
    }, 60);
  }

  function showMessage(element, message) {
    element.textContent = message || "";
    element.hidden = !message;
  }

  function formatSeconds(total) {
    var sign = total < 0 ? "-" : "";
    total = Math.abs(Math.round(total));
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    var pad = function (n) {
      return (n < 10 ? "0" : "") + n;
    };
    return sign + (hours ? hours + ":" + pad(minutes) : minutes) + ":" + pad(seconds);
  }

  function formatNumber(n) {
    try {
      return n.toLocaleString("en-US");
    } catch (e) {
      return String(n);
    }
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function setBusy(button, busy, busyText) {
    if (busy) {
      button.dataset.label = button.textContent;
      button.textContent = busyText;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    } else {
      if (button.dataset.label) {
        button.textContent = button.dataset.label;
      }
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  // POST JSON to one of the candidate endpoints; always resolves to {ok, status, data | error}.
  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(body || {}),
    }).then(
      function (response) {
        return response.text().then(function (text) {
          var data = null;
          try {
            data = text ? JSON.parse(text) : {};
          } catch (e) {
            data = null; // an HTML error page (a proxy, a CSRF failure): handled below
          }
          if (response.ok) {
            return { ok: true, status: response.status, data: data || {} };
          }
          var error = data && data.error;
          if (!error) {
            error = {
              code: "http_" + response.status,
              message:
                response.status === 403
                  ? "Your browser session has expired. Reload the page and try again."
                  : "Something went wrong on our side. Please try again in a moment.",
              fields: {},
            };
          }
          error.fields = error.fields || {};
          return { ok: false, status: response.status, error: error };
        });
      },
      function () {
        return {
          ok: false,
          status: 0,
          error: {
            code: "network",
            message: "We could not reach the server. Check your internet connection and try again.",
            fields: {},
          },
        };
      }
    );
  }

  // ---- steps ---------------------------------------------------------------------------------

  function showStep(name) {
    if (currentStep === "device" && name !== "device") {
      stopMedia(); // the camera light must go off as soon as the check is left
    }
    STEPS.forEach(function (step) {
      $("step-" + step).hidden = step !== name;
    });
    var position = STEPPER_ORDER.indexOf(name);
    var finished = name === "done";
    var items = $("stepper").querySelectorAll("li");
    Array.prototype.forEach.call(items, function (item) {
      var index = STEPPER_ORDER.indexOf(item.dataset.step);
      item.classList.toggle("is-done", finished || (position >= 0 && index < position));
      if (index === position) {
        item.setAttribute("aria-current", "step");
      } else {
        item.removeAttribute("aria-current");
      }
    });
    $("stepper").parentElement.hidden = name === "problem";
    $("connection").hidden = name !== "interview";
    currentStep = name;
    window.scrollTo(0, 0);
    // Move focus to the new step's heading so keyboard and screen-reader users start there.
    var heading = $("step-" + name).querySelector("h1");
    if (heading) {
      heading.focus();
    }
  }

  function linkProblem(error) {
    stopLive();
    $("problem-message").textContent = error.message;
    if (error.code === "used") {
      $("problem-title").textContent = "This interview is already complete";
    }
    showStep("problem");
  }

  // ---- 1. welcome and consent ------------------------------------------------------------------

  var consent = $("consent");
  if (config.consented) {
    consent.checked = true;
  }

  consent.addEventListener("change", function () {
    if (consent.checked) {
      consent.removeAttribute("aria-invalid");
      $("consent-box").classList.remove("is-invalid");
      showMessage($("consent-error"), "");
    }
  });

  $("welcome-form").addEventListener("submit", function (event) {
    event.preventDefault();
    showMessage($("welcome-error"), "");
    if (!consent.checked) {
      consent.setAttribute("aria-invalid", "true");
      $("consent-box").classList.add("is-invalid");
      showMessage($("consent-error"), "Please tick the box to agree before you continue.");
      consent.focus();
      return;
    }
    var button = $("send-code");
    setBusy(button, true, "Sending…");
    // Consent travels with the first code request: one step for the candidate, one record for us.
    postJSON(config.endpoints.otp, { consent: true }).then(function (result) {
      setBusy(button, false);
      if (result.ok) {
        codeSent(result.data.expiresInSeconds, false);
      } else if (result.error.code === "throttled") {
        // A code was sent moments ago (the page was reloaded): that email is still good.
        showStep("code");
        showMessage($("code-info"), "We already sent you a code a moment ago. Use the code from that email.");
        startCooldown(result.error.fields.retryAfterSeconds || config.resendCooldownSeconds);
        $("code").focus();
      } else if (LINK_PROBLEMS.indexOf(result.error.code) >= 0) {
        linkProblem(result.error);
      } else {
        showMessage($("welcome-error"), result.error.message);
      }
    });
  });

  // ---- 2. the email code -----------------------------------------------------------------------

  var codeInput = $("code");
  var cooldownTimer = 0;

  function codeSent(lifetimeSeconds, again) {
    if (lifetimeSeconds) {
      var minutes = Math.round(lifetimeSeconds / 60);
      $("code-lifetime").textContent = minutes >= 1 ? minutes + " minute" + (minutes === 1 ? "" : "s") : "a few seconds";
    }
    codeError("");
    codeInput.value = "";
    if (again) {
      showMessage($("code-info"), "We sent a new code to " + config.maskedEmail + ". Codes sent earlier no longer work.");
      announce("We sent a new code.");
      codeInput.focus();
    } else {
      showMessage($("code-info"), "");
      showStep("code");
      announce("We sent a code to " + config.maskedEmail + ".");
      codeInput.focus();
    }
    startCooldown(config.resendCooldownSeconds);
  }

  function codeError(message) {
    showMessage($("code-error"), message);
    if (message) {
      codeInput.setAttribute("aria-invalid", "true");
    } else {
      codeInput.removeAttribute("aria-invalid");
    }
  }

  // The resend button shows how long the candidate has to wait; the server enforces the same rule.
  function startCooldown(seconds) {
    var resend = $("resend");
    var until = Date.now() + seconds * 1000;
    window.clearInterval(cooldownTimer);
    function tick() {
      var left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) {
        window.clearInterval(cooldownTimer);
        resend.disabled = false;
        resend.textContent = "Send a new code";
        $("resend-hint").textContent = "Nothing arrived? Check your spam folder, or send a new code.";
        return;
      }
      resend.disabled = true;
      resend.textContent = "Send a new code (" + formatSeconds(left) + ")";
      $("resend-hint").textContent =
        "Nothing arrived? Check your spam folder. You can ask for a new code in " + formatSeconds(left) + ".";
    }
    tick();
    cooldownTimer = window.setInterval(tick, 1000);
  }

  codeInput.addEventListener("input", function () {
    // People paste "123 456" or "123-456": keep the digits only.
    var digits = codeInput.value.replace(/\D/g, "").slice(0, config.codeDigits);
    if (digits !== codeInput.value) {
      codeInput.value = digits;
    }
    if ($("code-error").hidden === false) {
      codeError("");
    }
  });

  $("code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var code = codeInput.value.replace(/\D/g, "");
    if (code.length !== config.codeDigits) {
      codeError("Enter the " + config.codeDigits + " digits from the email.");
      codeInput.focus();
      return;
    }
    var button = $("verify");
    setBusy(button, true, "Checking…");
    postJSON(config.endpoints.verify, { code: code }).then(function (result) {
      setBusy(button, false);
      if (result.ok) {
        config.verified = true;
        if (result.data.websocketUrl) {
          config.websocketUrl = result.data.websocketUrl;
        }
        window.clearInterval(cooldownTimer);
        announce("Email confirmed.");
        enterDeviceStep();
        return;
      }
      var error = result.error;
      if (LINK_PROBLEMS.indexOf(error.code) >= 0) {
        linkProblem(error);
        return;
      }
      if (error.code === "code_expired" || error.code === "code_locked") {
        codeError(error.message);
        codeInput.value = "";
        // The only way on is a new code: take the candidate to the button (when it is usable).
        if (!$("resend").disabled) {
          $("resend").focus();
        } else {
          codeInput.focus();
        }
        return;
      }
      if (error.code === "throttled") {
        codeError(error.message);
        return;
      }
      // code_invalid carries "N tries left" in its message; validation errors name the field.
      codeError((error.fields && typeof error.fields.code === "string" && error.code !== "code_invalid"
        ? error.fields.code
        : error.message));
      codeInput.select();
      codeInput.focus();
    });
  });

  $("resend").addEventListener("click", function () {
    var resend = $("resend");
    resend.disabled = true;
    postJSON(config.endpoints.otp, {}).then(function (result) {
      if (result.ok) {
        codeSent(result.data.expiresInSeconds, true);
      } else if (result.error.code === "throttled") {
        codeError(result.error.message);
        startCooldown(result.error.fields.retryAfterSeconds || config.resendCooldownSeconds);
      } else if (LINK_PROBLEMS.indexOf(result.error.code) >= 0) {
        linkProblem(result.error);
      } else {
        codeError(result.error.message);
        resend.disabled = false;
      }
    });
  });

  // ---- 3. camera and microphone ------------------------------------------------------------------

  var media = null;
  var audioContext = null;
  var meterFrame = 0;
  var heardSound = false;

  function setCheck(kind, state, text) {
    var item = $("check-" + kind);
    item.dataset.state = state;
    $(kind + "-result").textContent = text;
  }

  function enterDeviceStep() {
    showStep("device");
    if (config.deviceOk) {
      // Checked earlier in this session: the candidate may start right away, or check again.
      setCheck("camera", "ok", "Checked earlier");
      setCheck("microphone", "ok", "Checked earlier");
      $("start").disabled = false;
      $("device-check").textContent = "Check again";
      showMessage($("device-info"), "Your camera and microphone were already checked. You can start the interview.");
      $("start-hint").textContent = "All set. The first question appears as soon as you start.";
    }
  }

  function stopMedia() {
    if (meterFrame) {
      window.cancelAnimationFrame(meterFrame);
      meterFrame = 0;
    }
    if (audioContext) {
      audioContext.close().catch(function () {});
      audioContext = null;
    }
    if (media) {
      media.getTracks().forEach(function (track) {
        track.stop();
      });
      media = null;
    }
    var video = $("preview");
    video.srcObject = null;
    $("preview-box").classList.remove("is-live");
    $("mic-level").style.transform = "scaleX(0)";
  }

  function getMedia(constraints) {
    return navigator.mediaDevices.getUserMedia(constraints);
  }

  // Ask for both devices; when that fails for a missing or busy device, ask for each alone to say which.
  function acquire() {
    return getMedia({ video: true, audio: true }).then(
      function (stream) {
        return { stream: stream, videoError: null, audioError: null };
      },
      function (error) {
        if (error.name === "NotAllowedError" || error.name === "SecurityError") {
          return { stream: null, videoError: error, audioError: error };
        }
        var tracks = [];
        var outcome = { stream: null, videoError: null, audioError: null };
        return getMedia({ video: true })
          .then(
            function (s) {
              tracks = tracks.concat(s.getTracks());
            },
            function (e) {
              outcome.videoError = e;
            }
          )
          .then(function () {
            return getMedia({ audio: true });
          })
          .then(
            function (s) {
              tracks = tracks.concat(s.getTracks());
            },
            function (e) {
              outcome.audioError = e;
            }
          )
          .then(function () {
            outcome.stream = tracks.length ? new MediaStream(tracks) : null;
            return outcome;
          });
      }
    );
  }

  function deviceHelp(error, device) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      return (
        "Your browser blocked the camera and microphone. Click the camera icon in the address bar " +
        "(or open the site settings), allow both, then select “Check again”."
      );
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      return "We could not find a " + device + ". Connect one, then select “Check again”.";
    }
    if (name === "NotReadableError" || name === "AbortError") {
      return (
        "Your " + device + " is in use by another application (for example a video call). " +
        "Close it, then select “Check again”."
      );
    }
    return "We could not start your " + device + (name ? " (" + name + ")" : "") + ". Select “Check again”, or try another browser.";
  }

  function failure(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      return "Blocked by the browser";
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      return "Not found";
    }
    if (name === "NotReadableError" || name === "AbortError") {
      return "In use by another application";
    }
    return "Not working";
  }

  function startMeter(track) {
    var AudioContextClass = window.AudioContext || window.webkitAudioContext;
    if (!AudioContextClass) {
      return;
    }
    audioContext = new AudioContextClass();
    var source = audioContext.createMediaStreamSource(new MediaStream([track]));
    var analyser = audioContext.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    var samples = new Uint8Array(analyser.fftSize);
    var fill = $("mic-level");
    function draw() {
      analyser.getByteTimeDomainData(samples);
      var sum = 0;
      for (var i = 0; i < samples.length; i++) {
        var v = (samples[i] - 128) / 128;
        sum += v * v;
      }
      var level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      fill.style.transform = "scaleX(" + level.toFixed(3) + ")";
      if (level > 0.05 && !heardSound) {
        heardSound = true;
        $("mic-hint").textContent = "We can hear you.";
      }
      meterFrame = window.requestAnimationFrame(draw);
    }
    if (audioContext.state === "suspended") {
      audioContext.resume().catch(function () {});
    }
    draw();
  }

  function trackLabel(track) {
    return track ? String(track.label || "").slice(0, 120) : "";
  }

  $("device-check").addEventListener("click", function () {
    var button = $("device-check");
    var start = $("start");
    showMessage($("device-help"), "");
    showMessage($("device-info"), "");
    start.disabled = true;
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
    acquire().then(function (outcome) {
      setBusy(button, false);
      button.textContent = "Check again";
      // The candidate may have left the step while the browser was asking.
      if (currentStep !== "device") {
        if (outcome.stream) {
          outcome.stream.getTracks().forEach(function (t) {
            t.stop();
          });
        }
        return;
      }
      media = outcome.stream;
      var video = media && media.getVideoTracks()[0];
      var audio = media && media.getAudioTracks()[0];
      var camera = !!(video && video.readyState === "live");
      var microphone = !!(audio && audio.readyState === "live");
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
      var problems = [];
      if (!camera) {
        problems.push(deviceHelp(outcome.videoError, "camera"));
      }
      if (!microphone && !(outcome.audioError && outcome.audioError === outcome.videoError && !camera)) {
        problems.push(deviceHelp(outcome.audioError, "microphone"));
      }
      showMessage($("device-help"), problems.join(" "));
      var details = { camera: trackLabel(video), microphone: trackLabel(audio) };
      if (outcome.videoError) {
        details.cameraError = outcome.videoError.name;
      }
      if (outcome.audioError) {
        details.microphoneError = outcome.audioError.name;
      }
      record(camera, microphone, details);
    });
  });

  function record(camera, microphone, details) {
    postJSON(config.endpoints.deviceCheck, { camera: camera, microphone: microphone, details: details }).then(
      function (result) {
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
        var error = result.error;
        if (LINK_PROBLEMS.indexOf(error.code) >= 0) {
          linkProblem(error);
        } else if (error.code === "not_verified") {
          backToWelcome("Your session has ended. Send yourself a new code to continue.");
        } else {
          showMessage($("device-help"), error.message);
        }
      }
    );
  }

  function backToWelcome(message) {
    config.verified = false;
    showStep("welcome");
    showMessage($("welcome-error"), message);
  }

  $("start").addEventListener("click", function () {
    if (!config.deviceOk) {
      return;
    }
    enterInterview();
  });

  // ---- 4. the live interview -------------------------------------------------------------------

  var live = {
    socket: null,
    stopped: false,
    attempts: 0,
    retryTimer: 0,
    pingTimer: 0,
    pongTimer: 0,
    questionId: null,
    questionText: "",
    waiting: false,
    sentText: null,
    queue: [],
    timerEnd: 0,
    timerInterval: 0,
    active: false,
    lastError: "",
  };
  var answer = $("answer");
  var PING_EVERY = 20000;
  var PONG_WITHIN = 10000;
  var isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
  if (isMac) {
    $("send-key").textContent = "⌘";
  }

  function socketUrl() {
    // The session cookie that authorizes the socket belongs to the host this page was opened on,
    // so connect there, on the path the server gave (which carries the link's token).
    var path = new URL(config.websocketUrl, window.location.href).pathname;
    return (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + path;
  }

  function setConnection(state) {
    var labels = {
      connecting: "Connecting…",
      connected: "Connected",
      reconnecting: "Reconnecting…",
      offline: "Offline",
      closed: "Not connected",
    };
    var element = $("connection");
    if (element.dataset.state === state) {
      return;
    }
    element.dataset.state = state;
    $("connection-text").textContent = labels[state];
    if (state === "reconnecting" || state === "offline") {
      announce(state === "offline" ? "You are offline. Your answer is kept; we reconnect when you are back." : "Connection lost. Reconnecting…");
    } else if (state === "connected" && live.attempts > 0) {
      announce("Connected again.");
    }
  }

  function draftKey(questionId) {
    return "interview-draft:" + window.location.pathname + ":" + questionId;
  }

  function saveDraft() {
    if (!live.questionId || live.waiting) {
      return;
    }
    try {
      window.sessionStorage.setItem(draftKey(live.questionId), answer.value);
    } catch (e) {
      /* storage full or disabled: the textarea still holds the draft */
    }
  }

  function loadDraft(questionId) {
    try {
      return window.sessionStorage.getItem(draftKey(questionId)) || "";
    } catch (e) {
      return "";
    }
  }

  function forgetDraft(questionId) {
    try {
      window.sessionStorage.removeItem(draftKey(questionId));
    } catch (e) {
      /* nothing to forget */
    }
  }

  function enterInterview() {
    live.stopped = false;
    live.active = true;
    showStep("interview");
    connect();
  }

  function connect() {
    if (live.stopped) {
      return;
    }
    window.clearTimeout(live.retryTimer);
    setConnection(live.attempts ? "reconnecting" : "connecting");
    var socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    live.socket = socket;
    socket.addEventListener("open", function () {
      if (socket !== live.socket) {
        return;
      }
      setConnection("connected");
      live.attempts = 0;
      startPing();
      flushQueue();
    });
    socket.addEventListener("message", function (event) {
      if (socket !== live.socket) {
        return;
      }
      window.clearTimeout(live.pongTimer); // any frame proves the connection is alive
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      handleFrame(frame);
    });
    socket.addEventListener("close", function (event) {
      if (socket !== live.socket) {
        return; // a socket we already gave up on
      }
      live.socket = null;
      stopPing();
      if (live.stopped) {
        return;
      }
      if (event.code === 4403) {
        // Refused: the error frame before the close said why, and asking again gets the same answer.
        stopLive();
        setConnection("closed");
        setWaiting(true);
        $("thinking").hidden = true;
        showNotice(
          (live.lastError || "The interview cannot continue right now.") +
            " Reload the page to try again, or contact the recruiter if this keeps happening.",
          false
        );
        return;
      }
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (live.stopped) {
      return;
    }
    if (live.waiting && live.sentText !== null) {
      // The answer may or may not have been stored; the server tells us when we are back.
      $("thinking").hidden = false;
    }
    if (navigator.onLine === false) {
      setConnection("offline"); // the "online" event reconnects
      return;
    }
    setConnection("reconnecting");
    // Exponential backoff with jitter, so a restarted server is not hit by everyone at once.
    var delay = Math.min(15000, 500 * Math.pow(2, live.attempts)) * (0.7 + Math.random() * 0.6);
    live.attempts += 1;
    window.clearTimeout(live.retryTimer);
    live.retryTimer = window.setTimeout(connect, delay);
  }

  function dropSocket() {
    // Give up on a socket that stopped answering; its late events are ignored (see connect).
    var socket = live.socket;
    live.socket = null;
    stopPing();
    if (socket) {
      try {
        socket.close(4000, "no answer to ping");
      } catch (e) {
        /* already closed */
      }
    }
    scheduleReconnect();
  }

  function startPing() {
    stopPing();
    live.pingTimer = window.setInterval(function () {
      if (!send({ type: "ping" })) {
        return;
      }
      window.clearTimeout(live.pongTimer);
      live.pongTimer = window.setTimeout(dropSocket, PONG_WITHIN);
    }, PING_EVERY);
  }

  function stopPing() {
    window.clearInterval(live.pingTimer);
    window.clearTimeout(live.pongTimer);
  }

  function stopLive() {
    live.stopped = true;
    live.active = false;
    window.clearTimeout(live.retryTimer);
    stopPing();
    stopTimer();
    if (live.socket) {
      var socket = live.socket;
      live.socket = null;
      try {
        socket.close(1000, "done");
      } catch (e) {
        /* already closed */
      }
    }
  }

  function send(frame) {
    if (!live.socket || live.socket.readyState !== WebSocket.OPEN) {
      return false;
    }
    live.socket.send(JSON.stringify(frame));
    return true;
  }

  function flushQueue() {
    while (live.queue.length && send(live.queue[0])) {
      live.queue.shift();
    }
  }

  // Integrity signals are facts for the reviewer, never verdicts. Events that happen while the
  // connection is down are kept (a few) and sent once it is back.
  function integrity(event) {
    if (!live.active || live.stopped) {
      return;
    }
    var frame = { type: "integrity", event: event, at: new Date().toISOString() };
    if (!send(frame) && live.queue.length < 50) {
      live.queue.push(frame);
    }
  }

  document.addEventListener("visibilitychange", function () {
    integrity(document.hidden ? "tab_hidden" : "tab_visible");
  });
  window.addEventListener("blur", function () {
    integrity("focus_lost");
  });
  window.addEventListener("focus", function () {
    integrity("focus_gained");
  });
  answer.addEventListener("paste", function () {
    integrity("paste");
  });
  $("question").addEventListener("copy", function () {
    integrity("copy");
  });

  window.addEventListener("offline", function () {
    if (live.active && !live.stopped) {
      setConnection("offline");
    }
  });
  window.addEventListener("online", function () {
    if (live.active && !live.stopped && !live.socket) {
      live.attempts = 1; // show "Reconnecting…", not "Connecting…"
      connect();
    }
  });

  function handleFrame(frame) {
    switch (frame.type) {
      case "question":
        showQuestion(frame);
        break;
      case "ack":
        if (frame.questionId === live.questionId) {
          forgetDraft(frame.questionId);
          live.sentText = null;
          announce("Answer saved.");
        }
        break;
      case "completed":
        finish(frame.message);
        break;
      case "error":
        handleError(frame);
        break;
      default:
        break; // pong, or something newer than this page
    }
  }

  function showQuestion(frame) {
    hideNotice();
    if (frame.questionId === live.questionId) {
      // The same question after a reconnect: whatever was sent before the drop was not stored.
      if (live.waiting) {
        setWaiting(false);
        if (live.sentText !== null) {
          answerError("The connection dropped before your answer was saved. Please send it again.");
        }
      }
      live.sentText = null;
      return;
    }
    live.questionId = frame.questionId;
    live.questionText = frame.text;
    live.sentText = null;
    var question = $("question");
    question.dataset.questionId = frame.questionId;
    question.dataset.kind = frame.kind;
    $("question-text").textContent = frame.text;
    $("progress-text").textContent = "Question " + frame.index + " of " + frame.total;
    $("followup-badge").hidden = frame.kind !== "followup";
    var done = Math.max(0, frame.index - 1) / Math.max(1, frame.total);
    $("progress-fill").style.transform = "scaleX(" + done.toFixed(3) + ")";
    answer.value = loadDraft(frame.questionId);
    updateCounter();
    answerError("");
    setWaiting(false);
    startTimer(frame.minutes);
    answer.focus();
    if (readAloud) {
      speak(frame.text);
    }
  }

  function setWaiting(waiting) {
    live.waiting = waiting;
    answer.disabled = waiting;
    $("send").disabled = waiting;
    $("thinking").hidden = !waiting;
    $("answer-form").setAttribute("aria-busy", waiting ? "true" : "false");
    if (!waiting && currentStep === "interview") {
      answer.focus();
    }
  }

  function answerError(message) {
    showMessage($("answer-error"), message);
    if (message) {
      answer.setAttribute("aria-invalid", "true");
    } else {
      answer.removeAttribute("aria-invalid");
    }
  }

  function showNotice(message, canContinue) {
    $("interview-notice-text").textContent = message;
    $("continue-here").hidden = !canContinue;
    $("interview-notice").hidden = false;
  }

  function hideNotice() {
    $("interview-notice").hidden = true;
  }

  function handleError(frame) {
    var code = frame.code;
    if (LINK_PROBLEMS.indexOf(code) >= 0) {
      linkProblem(frame);
      return;
    }
    switch (code) {
      case "taken_over":
        stopLive();
        live.active = false;
        setConnection("closed");
        setWaiting(true);
        $("thinking").hidden = true;
        showNotice(
          "This interview was opened in another window, so this one has stopped. Continue in the other window, " +
            "or continue here instead.",
          true
        );
        $("continue-here").focus();
        return;
      case "not_verified":
        stopLive();
        backToWelcome("Your session has ended. Send yourself a new code to continue.");
        return;
      case "no_consent":
        stopLive();
        backToWelcome("Please accept the terms and confirm your email to continue.");
        return;
      case "device_check_required":
        stopLive();
        config.deviceOk = false;
        enterDeviceStep();
        showMessage($("device-help"), frame.message);
        return;
      case "answer_too_long":
      case "empty_answer":
        setWaiting(false);
        live.sentText = null;
        answerError(frame.message);
        return;
      case "out_of_turn":
        // This page and the server disagree about the current question: reconnecting resynchronises
        // (the server sends the question that is waiting), and the draft stays in the textarea.
        setWaiting(false);
        live.sentText = null;
        answerError(frame.message + " The current question is shown again.");
        live.questionId = null;
        dropSocket();
        return;
      case "not_in_progress":
        stopLive();
        setWaiting(true);
        $("thinking").hidden = true;
        showNotice("This interview is no longer in progress. " + "Contact the recruiter if you think this is a mistake.", false);
        return;
      default:
        live.lastError = frame.message;
        if (live.waiting) {
          setWaiting(false);
          live.sentText = null;
        }
        answerError(frame.message || "Something went wrong. Please try again.");
    }
  }

  $("continue-here").addEventListener("click", function () {
    hideNotice();
    live.stopped = false;
    live.active = true;
    live.attempts = 0;
    live.questionId = null; // the server sends the waiting question again; the draft is kept by question
    saveDraftFor(answer.value);
    setWaiting(true);
    connect();
  });

  function saveDraftFor(text) {
    var id = $("question").dataset.questionId;
    if (id && text) {
      try {
        window.sessionStorage.setItem(draftKey(id), text);
      } catch (e) {
        /* the textarea is cleared only when a different question arrives */
      }
    }
  }

  function updateCounter() {
    var length = answer.value.length;
    var counter = $("answer-count");
    counter.textContent = formatNumber(length) + " / " + formatNumber(config.maxAnswerChars) + " characters";
    counter.classList.toggle("is-over", length > config.maxAnswerChars);
  }

  answer.addEventListener("input", function () {
    updateCounter();
    saveDraft();
    if (!$("answer-error").hidden && answer.value.length <= config.maxAnswerChars) {
      answerError("");
    }
  });

  answer.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submitAnswer();
    }
  });

  $("answer-form").addEventListener("submit", function (event) {
    event.preventDefault();
    submitAnswer();
  });

  function submitAnswer() {
    if (live.waiting || !live.questionId) {
      return;
    }
    var text = answer.value.trim();
    if (!text) {
      answerError("Write your answer before sending it.");
      answer.focus();
      return;
    }
    if (text.length > config.maxAnswerChars) {
      answerError(
        "Your answer is " + formatNumber(text.length - config.maxAnswerChars) +
          " characters over the limit of " + formatNumber(config.maxAnswerChars) + ". Please shorten it."
      );
      answer.focus();
      return;
    }
    saveDraft();
    if (!send({ type: "answer", questionId: live.questionId, text: text })) {
      answerError("You are not connected right now. Your answer is kept here; send it again once the connection is back.");
      return;
    }
    answerError("");
    live.sentText = text;
    setWaiting(true);
    if (window.speechSynthesis) {
      window.speechSynthesis.cancel();
    }
  }

  // The per-question timer is a guide only: nothing is sent when it runs out.
  function startTimer(minutes) {
    stopTimer();
    var timer = $("timer");
    if (!minutes) {
      timer.hidden = true;
      return;
    }
    live.timerEnd = Date.now() + minutes * 60000;
    timer.hidden = false;
    function tick() {
      var left = (live.timerEnd - Date.now()) / 1000;
      var over = left < 0;
      timer.classList.toggle("is-over", over);
      $("timer-text").textContent = over ? "+" + formatSeconds(-left) + " over" : formatSeconds(left);
      $("timer-label").textContent = over
        ? "Suggested time for this question is over; take the time you need:"
        : "Suggested time left for this question:";
    }
    tick();
    live.timerInterval = window.setInterval(tick, 1000);
  }

  function stopTimer() {
    window.clearInterval(live.timerInterval);
  }

  // ---- read aloud ------------------------------------------------------------------------------

  var readAloud = false;
  var readButton = $("read-aloud");
  if ("speechSynthesis" in window && "SpeechSynthesisUtterance" in window) {
    readButton.hidden = false;
    try {
      readAloud = window.localStorage.getItem("interview-read-aloud") === "on";
    } catch (e) {
      readAloud = false;
    }
    readButton.setAttribute("aria-pressed", readAloud ? "true" : "false");
  }

  function speak(text) {
    if (!("speechSynthesis" in window)) {
      return;
    }
    window.speechSynthesis.cancel();
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = document.documentElement.lang || "en";
    utterance.rate = 0.95;
    window.speechSynthesis.speak(utterance);
  }

  readButton.addEventListener("click", function () {
    readAloud = !readAloud;
    readButton.setAttribute("aria-pressed", readAloud ? "true" : "false");
    try {
      window.localStorage.setItem("interview-read-aloud", readAloud ? "on" : "off");
    } catch (e) {
      /* the choice then lasts for this page only */
    }
    if (readAloud && live.questionText) {
      speak(live.questionText);
    } else if (!readAloud) {
      window.speechSynthesis.cancel();
    }
  });

  // ---- 5. done ---------------------------------------------------------------------------------

  function finish(message) {
    stopLive();
    if (live.questionId) {
      forgetDraft(live.questionId);
    }
    $("done-message").textContent = message || "Thank you for your time.";
    showStep("done");
    if (readAloud && message) {
      speak(message);
    }
  }

  window.addEventListener("pagehide", function () {
    stopMedia();
  });

  // ---- where to start --------------------------------------------------------------------------

  if (config.verified && config.deviceOk && config.started) {
    // A reload (or a return) during the interview: go straight back to the waiting question.
    enterInterview();
  } else if (config.verified) {
    enterDeviceStep();
  } else {
    showStep("welcome");
  }
  updateCounter();
})();
