/* Step 2: the emailed one-time code, with a resend button that shows how long to wait. */
import { postJSON } from "./api.js";
import { $, LINK_PROBLEMS, announce, formatSeconds, setBusy, showMessage } from "./ui.js";
import { showStep } from "./steps.js";

export function setupCode(config, flow) {
  const codeInput = $("code");
  let cooldownTimer = 0;

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
    const resend = $("resend");
    const until = Date.now() + seconds * 1000;
    window.clearInterval(cooldownTimer);
    function tick() {
      const left = Math.ceil((until - Date.now()) / 1000);
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

  function codeSent(lifetimeSeconds, again) {
    if (lifetimeSeconds) {
      const minutes = Math.round(lifetimeSeconds / 60);
      $("code-lifetime").textContent =
        minutes >= 1 ? minutes + " minute" + (minutes === 1 ? "" : "s") : "a few seconds";
    }
    codeError("");
    codeInput.value = "";
    if (again) {
      showMessage(
        $("code-info"),
        "We sent a new code to " + config.maskedEmail + ". Codes sent earlier no longer work."
      );
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

  // A code was sent moments ago (the page was reloaded): that email is still good.
  function alreadySent(retryAfterSeconds) {
    showStep("code");
    showMessage($("code-info"), "We already sent you a code a moment ago. Use the code from that email.");
    startCooldown(retryAfterSeconds || config.resendCooldownSeconds);
    codeInput.focus();
  }

  function refused(error) {
    if (LINK_PROBLEMS.indexOf(error.code) >= 0) {
      flow.linkProblem(error);
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
    codeError(
      error.fields && typeof error.fields.code === "string" && error.code !== "code_invalid"
        ? error.fields.code
        : error.message
    );
    codeInput.select();
    codeInput.focus();
  }

  codeInput.addEventListener("input", () => {
    // People paste "123 456" or "123-456": keep the digits only.
    const digits = codeInput.value.replace(/\D/g, "").slice(0, config.codeDigits);
    if (digits !== codeInput.value) {
      codeInput.value = digits;
    }
    if ($("code-error").hidden === false) {
      codeError("");
    }
  });

  $("code-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const code = codeInput.value.replace(/\D/g, "");
    if (code.length !== config.codeDigits) {
      codeError("Enter the " + config.codeDigits + " digits from the email.");
      codeInput.focus();
      return;
    }
    const button = $("verify");
    setBusy(button, true, "Checking…");
    // The box ticked on the welcome page: recorded once the code shows who ticked it.
    postJSON(config.endpoints.verify, { code: code, consent: $("consent").checked }).then((result) => {
      setBusy(button, false);
      if (!result.ok) {
        refused(result.error);
        return;
      }
      config.verified = true;
      if (result.data.websocketUrl) {
        config.websocketUrl = result.data.websocketUrl;
      }
      window.clearInterval(cooldownTimer);
      announce("Email confirmed.");
      flow.enterDevice();
    });
  });

  $("resend").addEventListener("click", () => {
    const resend = $("resend");
    resend.disabled = true;
    postJSON(config.endpoints.otp, {}).then((result) => {
      if (result.ok) {
        codeSent(result.data.expiresInSeconds, true);
      } else if (result.error.code === "throttled") {
        codeError(result.error.message);
        startCooldown(result.error.fields.retryAfterSeconds || config.resendCooldownSeconds);
      } else if (LINK_PROBLEMS.indexOf(result.error.code) >= 0) {
        flow.linkProblem(result.error);
      } else {
        codeError(result.error.message);
        resend.disabled = false;
      }
    });
  });

  return { codeSent, alreadySent };
}
