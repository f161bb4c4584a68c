/* The interview socket: connects, pings, reconnects with backoff, and hands each frame on.
 *
 * It knows nothing about the page. Callbacks say what happened:
 *   onFrame(frame)          a parsed frame from the server (any frame also proves the link is alive)
 *   onStatus(state, again)  "connecting" | "connected" | "reconnecting" | "offline";
 *                           ``again`` is true when "connected" follows a lost connection
 *   onLost()                the connection dropped and a reconnect is about to be tried
 *   onRefused()             the server closed with 4403: asking again would get the same answer
 */

const PING_EVERY = 20000;
const PONG_WITHIN = 10000;
const MAX_QUEUED = 50;

export class InterviewSocket {
  constructor(url, callbacks) {
    this.url = url; // a function: the path can change once the email is confirmed
    this.callbacks = callbacks;
    this.ws = null;
    this.running = false;
    this.attempts = 0;
    this.queue = [];
    this.retryTimer = 0;
    this.pingTimer = 0;
    this.pongTimer = 0;
    this.status = "";
    window.addEventListener("offline", () => {
      if (this.running) {
        this.report("offline", false);
      }
    });
    window.addEventListener("online", () => {
      if (!this.running) {
        return;
      }
      if (!this.ws) {
        this.attempts = 1; // show "Reconnecting…", not "Connecting…"
        this.connect();
      } else if (this.ws.readyState === WebSocket.OPEN) {
        // The socket may have lived through the outage: say so, and let a ping prove it (or drop it).
        this.report("connected", true);
        this.probe();
      }
    });
  }

  // Tell the page, once per change: the connection line shows the last state reported.
  report(state, again) {
    this.status = state;
    this.callbacks.onStatus(state, again);
  }

  // Start (or start again after stop); ``fresh`` forgets earlier failed attempts.
  start(fresh) {
    if (fresh) {
      this.attempts = 0;
    }
    this.running = true;
    this.connect();
  }

  connect() {
    if (!this.running) {
      return;
    }
    window.clearTimeout(this.retryTimer);
    this.report(this.attempts ? "reconnecting" : "connecting", false);
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch (e) {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    // Events of a socket we already gave up on are ignored.
    ws.addEventListener("open", () => ws === this.ws && this.opened());
    ws.addEventListener("message", (event) => ws === this.ws && this.received(event));
    ws.addEventListener("close", (event) => ws === this.ws && this.closed(event));
  }

  opened() {
    this.report("connected", this.attempts > 0);
    this.attempts = 0;
    this.startPing();
    this.flush();
  }

  received(event) {
    window.clearTimeout(this.pongTimer); // any frame proves the connection is alive
    if (this.status !== "connected") {
      this.report("connected", true); // e.g. "Offline" while the socket stayed up through the outage
    }
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    this.callbacks.onFrame(frame);
  }

  closed(event) {
    this.ws = null;
    this.stopPing();
    if (!this.running) {
      return;
    }
    if (event.code === 4403) {
      // Refused: the error frame before the close said why.
      this.callbacks.onRefused();
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (!this.running) {
      return;
    }
    this.callbacks.onLost();
    if (navigator.onLine === false) {
      this.report("offline", false); // the "online" event reconnects
      return;
    }
    this.report("reconnecting", false);
    // Exponential backoff with jitter, so a restarted server is not hit by everyone at once.
    const delay = Math.min(15000, 500 * Math.pow(2, this.attempts)) * (0.7 + Math.random() * 0.6);
    this.attempts += 1;
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
  }

  // Give up on the current socket (it stopped answering, or the page lost track) and reconnect.
  drop() {
    this.closeSocket(4000, "no answer to ping");
    this.scheduleReconnect();
  }

  stop() {
    this.running = false;
    window.clearTimeout(this.retryTimer);
    this.closeSocket(1000, "done");
  }

  closeSocket(code, reason) {
    const ws = this.ws;
    this.ws = null;
    this.stopPing();
    if (ws) {
      try {
        ws.close(code, reason);
      } catch (e) {
        /* already closed */
      }
    }
  }

  startPing() {
    this.stopPing();
    this.pingTimer = window.setInterval(() => this.probe(), PING_EVERY);
  }

  // A ping that must be answered (any frame will do) within PONG_WITHIN, or the socket is dropped.
  probe() {
    if (!this.send({ type: "ping" })) {
      return;
    }
    window.clearTimeout(this.pongTimer);
    this.pongTimer = window.setTimeout(() => this.drop(), PONG_WITHIN);
  }

  stopPing() {
    window.clearInterval(this.pingTimer);
    window.clearTimeout(this.pongTimer);
  }

  // Send now; false when not connected (the caller decides what to do with the frame).
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      return false;
    }
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  // A spoken answer carries the id of the recording whose transcript it started from.
  sendAnswer(questionId, text, recordingId) {
    const frame = { type: "answer", questionId: questionId, text: text };
    if (recordingId) {
      frame.recordingId = recordingId;
    }
    return this.send(frame);
  }

  // Integrity signals that happen while the connection is down are kept (a few) and sent once it is back.
  sendIntegrity(event, detail) {
    if (!this.running) {
      return;
    }
    const frame = { type: "integrity", event: event, at: new Date().toISOString() };
    if (detail) {
      frame.detail = detail;
    }
    if (!this.send(frame) && this.queue.length < MAX_QUEUED) {
      this.queue.push(frame);
    }
  }

  flush() {
    while (this.queue.length && this.send(this.queue[0])) {
      this.queue.shift();
    }
  }
}
