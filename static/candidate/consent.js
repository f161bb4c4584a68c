/* Step 1: the welcome page. The box is never ticked for the candidate; consent is sent with the code
 * (verify), so only the person who received the email can give it. */
import { postJSON } from "./api.js";
import { $, LINK_PROBLEMS, setBusy, showMessage } from "./ui.js";

export function setupConsent(config, flow, code) {
  const consent = $("consent");

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
    if (config.verified) {
      // Sent back here from a verified session that has not consented yet: record it and go on.
      setBusy(button, true, "Saving…");
      postJSON(config.endpoints.consent, {}).then((result) => {
        setBusy(button, false);
        if (result.ok) {
          flow.enterDevice();
        } else {
          showMessage($("welcome-error"), result.error.message);
        }
      });
      return;
    }
    setBusy(button, true, "Sending…");
    postJSON(config.endpoints.otp, {}).then((result) => {
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
