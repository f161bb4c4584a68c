/* Step 1: the welcome page; consent travels with the first code request. */
import { postJSON } from "./api.js";
import { $, LINK_PROBLEMS, setBusy, showMessage } from "./ui.js";

export function setupConsent(config, flow, code) {
  const consent = $("consent");
  if (config.consented) {
    consent.checked = true;
  }

  consent.addEventListener("change", () => {
    if (consent.checked) {
      consent.removeAttribute("aria-invalid");
      $("consent-box").classList.remove("is-invalid");
      showMessage($("consent-error"), "");
    }
  });

  $("welcome-form").addEventListener("submit", (event) => {
    event.preventDefault();
    showMessage($("welcome-error"), "");
    if (!consent.checked) {
      consent.setAttribute("aria-invalid", "true");
      $("consent-box").classList.add("is-invalid");
      showMessage($("consent-error"), "Please tick the box to agree before you continue.");
      consent.focus();
      return;
    }
    const button = $("send-code");
    setBusy(button, true, "Sending…");
    // Consent travels with the first code request: one step for the candidate, one record for us.
    postJSON(config.endpoints.otp, { consent: true }).then((result) => {
      setBusy(button, false);
      if (result.ok) {
        code.codeSent(result.data.expiresInSeconds, false);
      } else if (result.error.code === "throttled") {
        code.alreadySent(result.error.fields.retryAfterSeconds);
      } else if (LINK_PROBLEMS.indexOf(result.error.code) >= 0) {
        flow.linkProblem(result.error);
      } else {
        showMessage($("welcome-error"), result.error.message);
      }
    });
  });
}
