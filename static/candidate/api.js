/* The candidate endpoints: JSON in and out, the CSRF token, and one error envelope for every failure. */

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function failed(response, data) {
  let error = data && data.error;
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
}

function unreachable() {
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

// POST JSON to one of the candidate endpoints; always resolves to {ok, status, data | error}.
export function postJSON(url, body) {
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
    (response) =>
      response.text().then((text) => {
        let data = null;
        try {
          data = text ? JSON.parse(text) : {};
        } catch (e) {
          data = null; // an HTML error page (a proxy, a CSRF failure): handled by failed()
        }
        if (response.ok) {
          return { ok: true, status: response.status, data: data || {} };
        }
        return failed(response, data);
      }),
    unreachable
  );
}
