"""The HTML of the staff console's two pages. Every value is escaped here; no inline script or
style (the pages' Content-Security-Policy allows neither)."""

from __future__ import annotations

from html import escape

from delivery.services.staff_sessions import StaffIdentity
from delivery.vocabulary import HandoffOutcome

#: The outcomes an agent picks when closing (handing back records its own).
CLOSE_OUTCOMES: dict[HandoffOutcome, str] = {
    HandoffOutcome.RESOLVED: "Resolved",
    HandoffOutcome.UNRESOLVED: "Not resolved",
    HandoffOutcome.NO_REPLY: "Customer left (no reply)",
}

_HEAD = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<link rel="icon" href="/static/demo/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/agent/{stylesheet}">
{meta}</head>
"""

_LOGIN = """<body class="login">
<main class="login-card" aria-labelledby="login-title">
<h1 id="login-title">Staff console</h1>
<p class="lede">Sign in to answer customers the delivery assistant hands over to a person.</p>
{error}<form method="post" action="/agent/login" class="login-form">
<input type="hidden" name="csrf" value="{csrf}">
<label for="login-username">Username</label>
<input id="login-username" name="username" autocomplete="username" autocapitalize="none"
  spellcheck="false" required maxlength="64" value="{username}"{autofocus_user}>
<label for="login-password">Password</label>
<input id="login-password" name="password" type="password" autocomplete="current-password"
  required maxlength="1024"{autofocus_password}>
<button id="login-submit" type="submit">Sign in</button>
</form>
</main>
</body>
</html>
"""

_CONSOLE = """<body class="console">
<a class="skip" href="#conversation">Skip to the conversation</a>
<header class="topbar">
  <h1>Staff console</h1>
  <p id="connection" class="connection" role="status" data-state="connecting">Connecting…</p>
  <p class="me">Signed in as <strong>{name}</strong><span class="role">{role}</span></p>
  <form method="post" action="/agent/logout" class="logout">
    <input type="hidden" name="csrf" value="{csrf}">
    <button id="logout" type="submit" class="secondary">Sign out</button>
  </form>
</header>
<div class="layout">
  <nav class="queue-pane" aria-labelledby="queue-title">
    <h2 id="queue-title">Queue <span id="queue-count" class="count"></span></h2>
    <p id="queue-empty" class="empty">Nobody is waiting for a person.</p>
    <ul id="queue" class="queue"></ul>
  </nav>
  <main id="conversation" class="conversation-pane" tabindex="-1"
    aria-labelledby="conversation-title">
    <div id="placeholder" class="placeholder">
      <h2 id="conversation-title">No conversation open</h2>
      <p>Choose a conversation from the queue to read it, claim it and reply.</p>
    </div>
    <div id="detail" class="detail" hidden>
      <header class="conv-header">
        <div class="conv-title">
          <h2 id="detail-title">Conversation</h2>
          <p id="conversation-meta" class="meta"></p>
        </div>
        <div class="actions" role="group" aria-label="Conversation actions">
          <button id="claim" type="button">Claim</button>
          <button id="hand-back" type="button" class="secondary">Hand back to bot</button>
          <span class="close-group">
            <label for="close-outcome">Outcome</label>
            <select id="close-outcome">
{outcomes}
            </select>
            <button id="close" type="button" class="danger">Close</button>
          </span>
        </div>
      </header>
      <p id="notice" class="notice" role="alert" hidden></p>
      <div class="conv-body">
        <section class="transcript-pane" aria-labelledby="transcript-title">
          <h3 id="transcript-title" class="sr-only">Messages</h3>
          <ol id="transcript" class="transcript" tabindex="0"
            aria-label="Messages, oldest first"></ol>
          <form id="reply-form" class="composer">
            <div class="composer-row">
              <label for="canned">Canned reply</label>
              <select id="canned">
                <option value="">Insert a canned reply…</option>
              </select>
            </div>
            <label for="reply-text" class="sr-only">Your reply</label>
            <textarea id="reply-text" rows="3" maxlength="2000"
              placeholder="Write a reply…" aria-describedby="reply-help"></textarea>
            <div class="composer-row">
              <p id="reply-help" class="help">Enter sends · Shift+Enter adds a line ·
                <span id="reply-count">0</span>/2000</p>
              <button id="reply-send" type="submit">Send</button>
            </div>
          </form>
        </section>
        <aside class="customer-pane" aria-labelledby="customer-title">
          <h3 id="customer-title">Customer</h3>
          <div id="customer"></div>
          <h3 id="orders-title">Orders</h3>
          <div id="orders" aria-labelledby="orders-title"></div>
        </aside>
      </div>
    </div>
  </main>
</div>
<div id="announcer" class="sr-only" aria-live="polite" aria-atomic="false"></div>
<script src="/static/vendor/socket.io.min.js" defer></script>
<script src="/static/agent/console.js" defer></script>
</body>
</html>
"""


def login_html(*, csrf: str, error: str | None = None, username: str = "") -> str:
    shown_error = (
        f'<p id="login-error" class="error" role="alert">{escape(error)}</p>\n' if error else ""
    )
    # Focus where the person will type next: the password after a failed attempt.
    return _HEAD.format(title="Sign in · Staff console", stylesheet="login.css", meta="") + (
        _LOGIN.format(
            error=shown_error,
            csrf=escape(csrf),
            username=escape(username),
            autofocus_user="" if username else " autofocus",
            autofocus_password=" autofocus" if username else "",
        )
    )


def console_html(identity: StaffIdentity) -> str:
    meta = "".join(
        f'<meta name="{name}" content="{escape(value)}">\n'
        for name, value in (
            ("csrf-token", identity.csrf_token),
            ("staff-user-id", str(identity.user_id)),
            ("staff-name", identity.display_name),
            ("staff-role", identity.role.value),
        )
    )
    outcomes = "\n".join(
        f'              <option value="{outcome.value}">{escape(label)}</option>'
        for outcome, label in CLOSE_OUTCOMES.items()
    )
    return _HEAD.format(title="Staff console", stylesheet="console.css", meta=meta) + (
        _CONSOLE.format(
            name=escape(identity.display_name),
            role=escape(identity.role.value),
            csrf=escape(identity.csrf_token),
            outcomes=outcomes,
        )
    )
