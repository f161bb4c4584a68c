/* The candidate's join page: consent → email code → camera/microphone check → live interview → done.
 *
 * Native ES modules, no framework and no build step. The server renders every step; these modules
 * only show one at a time and talk to the JSON endpoints and the interview socket. Configuration
 * comes from the <script type="application/json" id="config"> block, so the page needs no inline script.
 */
import { $, showMessage } from "./ui.js";
import { showStep } from "./steps.js";
import { setupCode } from "./code.js";
import { setupConsent } from "./consent.js";
import { setupDevice } from "./device.js";
import { setupInterview } from "./interview.js";

const config = JSON.parse($("config").textContent);

// How the steps hand over to each other; each module gets this instead of importing the others.
const flow = {
  linkProblem(error) {
    interview.stop();
    $("problem-message").textContent = error.message;
    if (error.code === "used") {
      $("problem-title").textContent = "This interview is already complete";
    }
    showStep("problem");
  },
  backToWelcome(message) {
    config.verified = false;
    showStep("welcome");
    showMessage($("welcome-error"), message);
  },
  enterDevice() {
    device.enter();
  },
  enterInterview() {
    interview.enter();
  },
};

const code = setupCode(config, flow);
setupConsent(config, flow, code);
const device = setupDevice(config, flow);
const interview = setupInterview(config, flow);

if (config.verified && config.deviceOk && config.started) {
  // A reload (or a return) during the interview: go straight back to the waiting question.
  flow.enterInterview();
} else if (config.verified) {
  flow.enterDevice();
} else {
  showStep("welcome");
}
