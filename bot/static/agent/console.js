/* The staff console (docs/handoff-design.md): the queue of handed-off conversations, one open
   conversation with its transcript and the customer's orders, and the agent's actions.

   Plain JavaScript, no build step. Data comes from the JSON API under /agent/api/ and live
   changes from the socket.io namespace /agent (the vendored client). Every message and name is
   put in the page as text (textContent), never as HTML. */
(function () {
  "use strict";

  var API = "/agent/api";
  var LOGIN = "/agent/login";

  function meta(name) {
    var tag = document.querySelector('meta[name="' + name + '"]');
    return tag ? tag.getAttribute("content") || "" : "";
  }

  var CSRF = meta("csrf-token");
  var ME = Number(meta("staff-user-id"));

  var REASONS = {
    customer_request: "Asked for a person",
    misunderstood: "Bot did not understand",
    lockout: "Verification locked out",
    upset: "Customer upset",
    claim: "Damaged or missing item",
  };
  var CHANNELS = { web: "Website chat", telegram: "Telegram" };
  var STAGES = {
    ordered: "Ordered",
    shipped: "Shipped",
    in_transit: "In transit",
    out_for_delivery: "Out for delivery",
    delivered: "Delivered",
  };
  var ENDED = { returned: "handed back to the assistant", closed: "closed" };

  var state = {
    queue: [],
    queueAt: 0, // performance.now() when the queue arrived: waiting times tick from there
    known: null, // ids seen in the queue so far (null until the first queue)
    unread: {}, // handoff id -> true when a customer wrote in a conversation not open
    selected: null,
    detail: null, // {handoff, transcript, customer, orders}
    shown: {}, // keys of the messages in the open transcript
    pending: null, // events that arrived while the open conversation was loading
    canned: [],
  };

  var $ = function (id) {
    return document.getElementById(id);
  };

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // ---- the API -----------------------------------------------------------------------------

  function ApiError(message, status, data) {
    this.message = message;
    this.status = status;
    this.data = data;
  }

  function api(method, path, body) {
    var headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = CSRF;
    var options = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(API + path, options).then(function (response) {
      if (response.status === 401) {
        window.location.assign(LOGIN);
        throw new ApiError("You have been signed out.", 401, null);
      }
      var read = response.status === 204 ? Promise.resolve(null) : response.json().catch(function () {
        return null;
      });
      return read.then(function (data) {
        if (!response.ok) {
          var message = (data && data.message) || "The server answered " + response.status + ".";
          throw new ApiError(message, response.status, data);
        }
        return data;
      });
    });
  }

  // ---- formatting --------------------------------------------------------------------------

  var timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  var dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });
  var fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  function clock(iso) {
    return iso ? timeFormat.format(new Date(iso)) : "";
  }

  function when(iso) {
    return iso ? fullFormat.format(new Date(iso)) : "";
  }

  function localDay(isoDate) {
    // A carrier's local date ("2026-03-02"): shown as that day, whatever the browser's zone.
    var parts = isoDate.split("-").map(Number);
    return dayFormat.format(new Date(parts[0], parts[1] - 1, parts[2]));
  }

  function deliveryDate(date) {
    if (!date) return "";
    var text = localDay(date.date);
    if (date.window_start && date.window_end) text += ", " + date.window_start + "–" + date.window_end;
    return text;
  }

  function waited(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) return seconds + " s";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min";
    var hours = Math.floor(minutes / 60);
    return hours + " h " + String(minutes % 60).padStart(2, "0") + " min";
  }

  function words(code) {
    return String(code || "").replace(/_/g, " ");
  }

  // ---- announcements and notices -----------------------------------------------------------

  function announce(text) {
    // A fresh node per announcement: screen readers read additions to the live region.
    var region = $("announcer");
    region.appendChild(make("p", null, text));
    while (region.childNodes.length > 5) region.removeChild(region.firstChild);
  }

  function notice(text, kind) {
    var box = $("notice");
    box.textContent = text || "";
    box.dataset.kind = kind || "info";
    box.hidden = !text;
  }

  function setConnection(stateName, text) {
    var node = $("connection");
    node.dataset.state = stateName;
    node.textContent = text;
  }

  // ---- the queue ---------------------------------------------------------------------------

  function renderQueue(data) {
    var handoffs = data.handoffs || [];
    var fresh = [];
    if (state.known !== null) {
      handoffs.forEach(function (h) {
        if (!state.known[h.id] && h.status === "waiting") fresh.push(h);
      });
    }
    state.known = {};
    handoffs.forEach(function (h) {
      state.known[h.id] = true;
    });
    state.queue = handoffs;
    state.queueAt = performance.now();

    var list = $("queue");
    var focused = list.contains(document.activeElement)
      ? document.activeElement.closest("li").dataset.handoffId
      : null;
    list.textContent = "";
    handoffs.forEach(function (h) {
      list.appendChild(queueItem(h));
    });
    if (focused) {
      var again = list.querySelector('li[data-handoff-id="' + focused + '"] button');
      if (again) again.focus();
    }
    var waiting = handoffs.filter(function (h) {
      return h.status === "waiting";
    }).length;
    $("queue-count").textContent = handoffs.length ? "(" + waiting + " waiting)" : "";
    $("queue-empty").hidden = handoffs.length > 0;
    document.title = (waiting ? "(" + waiting + ") " : "") + "Staff console";
    tick();
    fresh.forEach(function (h) {
      announce("New in the queue: " + (h.customer_name || "a customer") + ", " + (REASONS[h.reason] || words(h.reason)) + ".");
    });

    // The open conversation's status as the queue tells it (claimed by whom).
    if (state.detail) {
      var current = handoffs.filter(function (h) {
        return h.id === state.selected;
      })[0];
      if (current) {
        state.detail.handoff = current;
        renderHeader();
      }
    }
  }

  function queueItem(h) {
    var li = make("li", "queue-item");
    li.dataset.handoffId = String(h.id);
    li.dataset.status = h.status;
    var button = make("button", "queue-open");
    button.type = "button";
    if (h.id === state.selected) button.setAttribute("aria-current", "true");

    var top = make("span", "queue-top");
    top.appendChild(make("span", "queue-name", h.customer_name || "Unknown customer"));
    var time = make("span", "queue-wait");
    time.dataset.waitingSeconds = String(h.waiting_seconds);
    time.dataset.ticking = h.status === "waiting" ? "1" : "";
    top.appendChild(time);
    button.appendChild(top);

    button.appendChild(make("span", "queue-reason", REASONS[h.reason] || words(h.reason)));
    var bottom = make("span", "queue-bottom");
    bottom.appendChild(make("span", "chip chip--" + h.channel, CHANNELS[h.channel] || h.channel));
    var who;
    if (h.status === "waiting") who = make("span", "queue-status queue-status--waiting", "Waiting");
    else if (h.claimed_by_id === ME) who = make("span", "queue-status queue-status--mine", "With you");
    else who = make("span", "queue-status", "With " + (h.claimed_by_name || "someone"));
    bottom.appendChild(who);
    if (state.unread[h.id]) bottom.appendChild(make("span", "unread", "New message"));
    button.appendChild(bottom);

    button.addEventListener("click", function () {
      openConversation(h.id);
    });
    li.appendChild(button);
    return li;
  }

  function tick() {
    var elapsed = (performance.now() - state.queueAt) / 1000;
    var spans = $("queue").querySelectorAll(".queue-wait");
    Array.prototype.forEach.call(spans, function (span) {
      var base = Number(span.dataset.waitingSeconds);
      var seconds = span.dataset.ticking ? base + elapsed : base;
      span.textContent = (span.dataset.ticking ? "waiting " : "waited ") + waited(seconds);
    });
  }

  function moveInQueue(event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var buttons = Array.prototype.slice.call($("queue").querySelectorAll("button"));
    var at = buttons.indexOf(document.activeElement);
    if (at < 0) return;
    event.preventDefault();
    var next = buttons[at + (event.key === "ArrowDown" ? 1 : -1)];
    if (next) next.focus();
  }

  function loadQueue() {
    return api("GET", "/queue").then(renderQueue, function (error) {
      notice("The queue could not be loaded: " + error.message, "error");
    });
  }

  // ---- the open conversation ---------------------------------------------------------------

  function openConversation(id) {
    if (state.selected !== null && state.selected !== id) {
      socket.emit("unwatch", { handoff_id: state.selected });
    }
    state.selected = id;
    delete state.unread[id];
    Array.prototype.forEach.call($("queue").querySelectorAll("button"), function (button) {
      var mine = Number(button.closest("li").dataset.handoffId) === id;
      if (mine) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
      if (mine) {
        var badge = button.querySelector(".unread");
        if (badge) badge.remove();
      }
    });
    // Watch before loading, keeping what arrives meanwhile, so no message falls in between.
    state.pending = [];
    socket.emit("watch", { handoff_id: id });
    return loadConversation(id);
  }

  function loadConversation(id) {
    // Live events that arrive while it loads wait, and are applied over what was loaded.
    if (!state.pending) state.pending = [];
    return api("GET", "/handoffs/" + id).then(
      function (data) {
        if (state.selected !== id) return;
        state.detail = data;
        var pending = state.pending || [];
        state.pending = null;
        $("placeholder").hidden = true;
        $("detail").hidden = false;
        $("conversation").setAttribute("aria-labelledby", "detail-title");
        notice("");
        renderHeader();
        renderTranscript(data.transcript);
        pending.forEach(function (event) {
          conversationEvent(event);
        });
        renderCustomer(data.customer);
        renderOrders(data.orders);
      },
      function (error) {
        state.pending = null;
        notice("This conversation could not be loaded: " + error.message, "error");
      }
    );
  }

  function renderHeader() {
    var h = state.detail.handoff;
    $("detail-title").textContent = h.customer_name || "Unknown customer";
    var parts = [REASONS[h.reason] || words(h.reason), CHANNELS[h.channel] || h.channel, "asked " + when(h.requested_at)];
    if (h.detail) parts.push(h.detail);
    $("conversation-meta").textContent = parts.join(" · ");

    var waiting = h.status === "waiting";
    var mine = h.status === "active" && h.claimed_by_id === ME;
    var open = waiting || h.status === "active";
    $("claim").disabled = !waiting;
    $("claim").hidden = !waiting;
    $("hand-back").disabled = !mine;
    $("close").disabled = !(waiting || mine);
    $("close-outcome").disabled = !(waiting || mine);
    $("reply-text").disabled = !mine;
    $("reply-send").disabled = !mine;
    $("canned").disabled = !mine;

    var status = $("detail").querySelector(".status-line");
    if (!status) {
      status = make("p", "status-line");
      status.setAttribute("role", "status");
      $("conversation-meta").after(status);
    }
    if (waiting) status.textContent = "Waiting for a person. Claim it to reply.";
    else if (mine) status.textContent = "You are handling this conversation.";
    else if (open) status.textContent = (h.claimed_by_name || "Someone else") + " is handling this conversation.";
    else status.textContent = "This handoff was " + (ENDED[h.status] || h.status) + (h.outcome ? " (" + words(h.outcome) + ")" : "") + ".";
    status.dataset.status = h.status;
  }

  function messageKey(m) {
    return [m.sender, m.at, m.text || ""].join("|");
  }

  function renderTranscript(messages) {
    var list = $("transcript");
    list.textContent = "";
    state.shown = {};
    if (!messages.length) list.appendChild(make("li", "empty", "No messages yet."));
    messages.forEach(function (m) {
      addMessage(m);
    });
    list.scrollTop = list.scrollHeight;
  }

  function addMessage(m) {
    var key = messageKey(m);
    if (state.shown[key]) return false;
    state.shown[key] = true;
    var list = $("transcript");
    var empty = list.querySelector(".empty");
    if (empty) empty.remove();
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;

    var system = systemNote(m);
    var li = make("li", "msg msg--" + m.sender + (system ? " msg--system" : ""));
    li.dataset.sender = m.sender;
    if (m.id) li.dataset.messageId = String(m.id);
    var who = m.sender === "customer" ? "Customer" : m.sender === "agent" ? m.agent || "Agent" : "Assistant";
    var head = make("p", "msg-head");
    head.appendChild(make("span", "msg-who", who));
    var time = make("time", "msg-time", clock(m.at));
    if (m.at) time.dateTime = m.at;
    head.appendChild(time);
    li.appendChild(head);
    if (m.text) li.appendChild(make("p", "msg-text", m.text));
    if (system) li.appendChild(make("p", "msg-note", system));
    if (m.image) {
      var link = make("a", "msg-image", "Image sent");
      link.href = m.image;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      li.appendChild(link);
    }
    if (m.buttons && m.buttons.length) {
      var offered = make("ul", "msg-buttons");
      offered.setAttribute("aria-label", "Buttons offered");
      m.buttons.forEach(function (b) {
        offered.appendChild(make("li", "chip", b.title));
      });
      li.appendChild(offered);
    }
    list.appendChild(li);
    if (atBottom) list.scrollTop = list.scrollHeight;
    return true;
  }

  function systemNote(m) {
    var custom = m.custom;
    if (!custom || typeof custom !== "object") return null;
    if (custom.handoff === "queued") return "Handed over to a person (" + (REASONS[custom.reason] || words(custom.reason)) + ").";
    if (custom.handoff === "agent_joined") return (custom.agent || "An agent") + " joined the conversation.";
    if (custom.handoff === "agent_left") return (custom.agent || "The agent") + " left; the assistant answers again.";
    return m.text ? null : "(a message the console cannot show)";
  }

  function renderCustomer(customer) {
    var box = $("customer");
    box.textContent = "";
    if (!customer) {
      box.appendChild(make("p", "muted", "Not verified yet: the customer has not proved who they are in this conversation."));
      return;
    }
    var list = make("dl", "facts");
    [["Name", customer.name], ["E-mail", customer.email], ["Phone", customer.phone || "—"], ["Language", customer.language]].forEach(function (pair) {
      list.appendChild(make("dt", null, pair[0]));
      list.appendChild(make("dd", null, pair[1]));
    });
    box.appendChild(list);
  }

  function renderOrders(orders) {
    var box = $("orders");
    box.textContent = "";
    if (!orders || !orders.length) {
      box.appendChild(make("p", "muted", "No orders to show."));
      return;
    }
    orders.forEach(function (order) {
      var section = make("section", "order" + (order.has_problem ? " order--problem" : ""));
      section.dataset.orderNumber = order.number;
      var head = make("h4", "order-head");
      head.appendChild(make("span", null, "Order " + order.number));
      head.appendChild(make("span", "chip chip--" + order.stage, order.status === "cancelled" ? "Cancelled" : STAGES[order.stage] || words(order.stage)));
      section.appendChild(head);
      section.appendChild(make("p", "muted", "Placed " + when(order.placed_at)));
      if (order.preparing.length) {
        section.appendChild(make("p", null, "Being prepared: " + order.preparing.map(itemText).join(", ")));
      }
      order.shipments.forEach(function (shipment) {
        section.appendChild(shipmentBlock(shipment));
      });
      box.appendChild(section);
    });
  }

  function itemText(item) {
    return (item.quantity > 1 ? item.quantity + " × " : "") + item.name;
  }

  function shipmentBlock(s) {
    var block = make("div", "shipment");
    var title = make("p", "shipment-title");
    title.appendChild(make("strong", null, s.carrier + " "));
    if (s.tracking_url) {
      var link = make("a", null, s.tracking_number);
      link.href = s.tracking_url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      title.appendChild(link);
    } else {
      title.appendChild(make("span", null, s.tracking_number));
    }
    block.appendChild(title);

    var facts = make("dl", "facts facts--compact");
    var rows = [["Status", words(s.status)], ["Promised", deliveryDate(s.promised)]];
    if (s.eta) rows.push(["ETA", deliveryDate(s.eta)]);
    if (s.delivered_at) rows.push(["Delivered", when(s.delivered_at)]);
    if (s.is_late) rows.push(["Late", s.days_late + " day" + (s.days_late === 1 ? "" : "s")]);
    if (s.pickup_point) rows.push(["Pickup point", s.pickup_point.name + ", " + s.pickup_point.street + ", " + s.pickup_point.city]);
    if (s.items.length) rows.push(["Items", s.items.map(itemText).join(", ")]);
    rows.forEach(function (pair) {
      facts.appendChild(make("dt", null, pair[0]));
      facts.appendChild(make("dd", null, pair[1]));
    });
    block.appendChild(facts);

    if (s.problem) {
      var problem = words(s.problem.kind) + (s.problem.description ? ": " + s.problem.description : "");
      block.appendChild(make("p", "problem", problem));
    }

    var timeline = make("ol", "timeline");
    timeline.setAttribute("aria-label", "Delivery timeline");
    s.timeline.forEach(function (step) {
      var li = make("li", "step" + (step.reached ? " step--reached" : "") + (step.current ? " step--current" : ""));
      if (step.current) li.setAttribute("aria-current", "step");
      li.appendChild(make("span", "step-name", STAGES[step.stage] || words(step.stage)));
      if (step.at) li.appendChild(make("span", "step-at", when(step.at)));
      else if (!step.reached) li.appendChild(make("span", "sr-only", "not yet"));
      timeline.appendChild(li);
    });
    block.appendChild(timeline);

    if (s.events.length) {
      var details = make("details", "events");
      details.appendChild(make("summary", null, "Latest tracking events"));
      var list = make("ul");
      s.events.forEach(function (e) {
        var text = when(e.at) + " · " + (e.description || words(e.status)) + (e.location ? " (" + e.location + ")" : "");
        list.appendChild(make("li", null, text));
      });
      details.appendChild(list);
      block.appendChild(details);
    }
    return block;
  }

  // ---- live events -------------------------------------------------------------------------

  function conversationEvent(data) {
    var id = data.handoff_id;
    var event = data.event || {};
    if (id !== state.selected) return;
    if (state.pending) {
      state.pending.push(data);
      return;
    }
    if (event.type === "message") {
      var added = addMessage(event);
      if (added && event.sender === "customer") announce("Customer: " + event.text);
    } else if (event.type === "status") {
      // Who holds it now, and whether this agent may still act: read it again.
      loadConversation(id);
    }
  }

  function onConversation(data) {
    var event = data.event || {};
    if (data.handoff_id !== state.selected && event.type === "message" && event.sender === "customer") {
      state.unread[data.handoff_id] = true;
      var item = $("queue").querySelector('li[data-handoff-id="' + data.handoff_id + '"] .queue-bottom');
      if (item && !item.querySelector(".unread")) item.appendChild(make("span", "unread", "New message"));
      return;
    }
    conversationEvent(data);
  }

  // ---- the agent's actions -----------------------------------------------------------------

  function act(button, path, body, done) {
    var id = state.selected;
    if (id === null) return Promise.resolve();
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    return api("POST", "/handoffs/" + id + path, body)
      .then(function (data) {
        notice("");
        if (done) done(data);
      })
      .catch(function (error) {
        if (error.data && error.data.error === "already_claimed") {
          notice("Already claimed" + (error.data.by ? " by " + error.data.by : "") + ".", "error");
        } else {
          notice(error.message, "error");
        }
        return loadConversation(id);
      })
      .finally(function () {
        button.removeAttribute("aria-busy");
        if (state.detail) renderHeader();
      });
  }

  function claim() {
    act($("claim"), "/claim", undefined, function (data) {
      state.detail.handoff = data.handoff;
      renderHeader();
      announce("You claimed this conversation.");
      $("reply-text").focus();
    });
  }

  function sendReply(event) {
    if (event) event.preventDefault();
    var box = $("reply-text");
    var text = box.value.trim();
    if (!text || $("reply-send").disabled) return;
    act($("reply-send"), "/reply", { text: text }, function () {
      box.value = "";
      updateCount();
      box.focus();
      // The reply comes back through the socket; without one, read the conversation again.
      if (!socket.connected) loadConversation(state.selected);
    });
  }

  function handBack() {
    act($("hand-back"), "/hand-back", undefined, function (data) {
      state.detail.handoff = data.handoff;
      renderHeader();
      announce("Handed back to the assistant.");
    });
  }

  function closeHandoff() {
    var outcome = $("close-outcome").value;
    act($("close"), "/close", { outcome: outcome }, function (data) {
      state.detail.handoff = data.handoff;
      renderHeader();
      announce("Conversation closed.");
    });
  }

  function updateCount() {
    $("reply-count").textContent = String($("reply-text").value.length);
  }

  function replyKeys(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.isComposing) {
      sendReply(event);
    }
  }

  function insertCanned() {
    var select = $("canned");
    var chosen = state.canned.filter(function (r) {
      return String(r.id) === select.value;
    })[0];
    if (!chosen) return;
    var box = $("reply-text");
    box.value = box.value.trim() ? box.value.replace(/\s*$/, " ") + chosen.text : chosen.text;
    select.value = "";
    updateCount();
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  function loadCanned() {
    return api("GET", "/canned").then(function (data) {
      state.canned = data.replies || [];
      var select = $("canned");
      while (select.options.length > 1) select.remove(1);
      state.canned.forEach(function (r) {
        var option = make("option", null, r.title);
        option.value = String(r.id);
        option.title = r.text;
        select.appendChild(option);
      });
    });
  }

  // ---- the socket --------------------------------------------------------------------------

  var socket = window.io("/agent", { auth: { csrf: CSRF } });

  socket.on("connect", function () {
    setConnection("live", "Live");
    loadQueue();
    if (state.selected !== null) {
      // Watching ended with the old connection; messages may have come meanwhile.
      state.pending = [];
      socket.emit("watch", { handoff_id: state.selected });
      loadConversation(state.selected);
    }
  });

  socket.on("disconnect", function (reason) {
    setConnection("offline", "Reconnecting…");
    if (reason === "io server disconnect") afterRefusal();
  });

  socket.on("connect_error", function () {
    setConnection("offline", "Offline: retrying…");
    if (!socket.active) afterRefusal();
  });

  function afterRefusal() {
    // The server ended or refused the connection. When the session is over, the API answers
    // 401 and api() goes to the login page; otherwise try again in a little while.
    setConnection("offline", "Disconnected");
    loadQueue().then(function () {
      window.setTimeout(function () {
        if (!socket.connected) socket.connect();
      }, 3000);
    });
  }

  socket.on("queue", renderQueue);
  socket.on("conversation", onConversation);

  // ---- start -------------------------------------------------------------------------------

  $("queue").addEventListener("keydown", moveInQueue);
  $("claim").addEventListener("click", claim);
  $("hand-back").addEventListener("click", handBack);
  $("close").addEventListener("click", closeHandoff);
  $("reply-form").addEventListener("submit", sendReply);
  $("reply-text").addEventListener("keydown", replyKeys);
  $("reply-text").addEventListener("input", updateCount);
  $("canned").addEventListener("change", insertCanned);
  window.setInterval(tick, 1000);
  loadQueue();
  loadCanned().catch(function (error) {
    notice("The canned replies could not be loaded: " + error.message, "error");
  });
})();
