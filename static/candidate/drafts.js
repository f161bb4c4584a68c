/* Answer drafts survive a reload or a dropped connection: kept per question in sessionStorage. */

function key(questionId) {
  return "interview-draft:" + window.location.pathname + ":" + questionId;
}

export function storeDraft(questionId, text) {
  try {
    window.sessionStorage.setItem(key(questionId), text);
  } catch (e) {
    /* storage full or disabled: the textarea still holds the draft */
  }
}

export function loadDraft(questionId) {
  try {
    return window.sessionStorage.getItem(key(questionId)) || "";
  } catch (e) {
    return "";
  }
}

export function forgetDraft(questionId) {
  try {
    window.sessionStorage.removeItem(key(questionId));
  } catch (e) {
    /* nothing to forget */
  }
}
