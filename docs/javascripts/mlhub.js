// mlhub's page script: meeting times in the reader's own zone, computed from the meeting's
// RFC 5545 rule so they never go stale, and webcal:// subscription links. The pages hold the
// site build's dates too, for readers without script. Runs on every page load, including the
// theme's instant navigation (document$).
(function () {
  "use strict";
  var CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
  var SUPPORTED = ["FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT", "UNTIL", "WKST"];
  var DAY = 86400000;

  function parseRule(text) {
    var rule = { interval: 1, byday: [], bymonthday: [], bymonth: [], count: null, until: null, wkst: 0 };
    var parts = text.replace(/^RRULE:/i, "").split(";");
    for (var i = 0; i < parts.length; i++) {
      var kv = parts[i].split("="), key = kv[0].trim().toUpperCase(), value = (kv[1] || "").trim().toUpperCase();
      if (SUPPORTED.indexOf(key) < 0) return null;
      if (key === "FREQ") rule.freq = value;
      else if (key === "INTERVAL") rule.interval = parseInt(value, 10);
      else if (key === "COUNT") rule.count = parseInt(value, 10);
      else if (key === "WKST") rule.wkst = CODES.indexOf(value);
      else if (key === "BYMONTHDAY") rule.bymonthday = value.split(",").map(Number);
      else if (key === "BYMONTH") rule.bymonth = value.split(",").map(Number);
      else if (key === "UNTIL") rule.until = value;
      else if (key === "BYDAY") rule.byday = value.split(",").map(function (d) {
        return { n: d.length > 2 ? parseInt(d.slice(0, -2), 10) : 0, wd: CODES.indexOf(d.slice(-2)) };
      });
    }
    if (["DAILY", "WEEKLY", "MONTHLY", "YEARLY"].indexOf(rule.freq) < 0 || !(rule.interval >= 1)) return null;
    return rule;
  }

  // Calendar dates as UTC midnights: plain day arithmetic, no zone involved.
  function civil(y, m, d) { return Date.UTC(y, m - 1, d); }
  function ymd(t) { var d = new Date(t); return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]; }
  function weekday(t) { return (new Date(t).getUTCDay() + 6) % 7; }
  function daysIn(y, m) { return new Date(Date.UTC(y, m, 0)).getUTCDate(); }
  function iso(t) { return new Date(t).toISOString().slice(0, 10); }

  // The offset of a zone at an instant, from the browser's own zone database.
  function offset(ms, tz) {
    var f = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    var p = {};
    f.formatToParts(new Date(ms)).forEach(function (x) { p[x.type] = x.value; });
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second) - Math.floor(ms / 1000) * 1000;
  }
  // The instant of a wall-clock time in a zone (like a datetime with ZoneInfo and fold=0).
  function instant(date, hh, mm, tz) {
    var d = ymd(date), guess = Date.UTC(d[0], d[1] - 1, d[2], hh, mm);
    var first = guess - offset(guess, tz), second = guess - offset(first, tz);
    return Math.min(first, second);
  }

  function monthDays(y, m, rule, start) {
    var n = daysIn(y, m), out = [];
    if (rule.bymonthday.length) {
      rule.bymonthday.forEach(function (d) { var day = d > 0 ? d : n + d + 1; if (day >= 1 && day <= n) out.push(civil(y, m, day)); });
    } else if (rule.byday.length) {
      rule.byday.forEach(function (b) {
        var all = [];
        for (var day = 1; day <= n; day++) if (weekday(civil(y, m, day)) === b.wd) all.push(civil(y, m, day));
        if (!b.n) out = out.concat(all);
        else { var pick = b.n > 0 ? all[b.n - 1] : all[all.length + b.n]; if (pick !== undefined) out.push(pick); }
      });
    } else if (ymd(start)[2] <= n) {
      out.push(civil(y, m, ymd(start)[2]));
    }
    return out.sort(function (a, b) { return a - b; });
  }

  // The candidate dates of the k-th period of the rule (before COUNT, UNTIL and exdates).
  function period(rule, start, k) {
    var s = ymd(start), out;
    if (rule.freq === "DAILY") {
      out = [start + k * rule.interval * DAY];
    } else if (rule.freq === "WEEKLY") {
      var weekStart = start - ((weekday(start) - rule.wkst + 7) % 7) * DAY + k * rule.interval * 7 * DAY;
      var days = rule.byday.length ? rule.byday.map(function (b) { return b.wd; }) : [weekday(start)];
      out = [];
      for (var i = 0; i < 7; i++) { var t = weekStart + i * DAY; if (days.indexOf(weekday(t)) >= 0) out.push(t); }
    } else if (rule.freq === "MONTHLY") {
      var months = s[1] - 1 + k * rule.interval;
      out = monthDays(s[0] + Math.floor(months / 12), (months % 12) + 1, rule, start);
    } else {
      var y = s[0] + k * rule.interval;
      out = [];
      (rule.bymonth.length ? rule.bymonth : [s[1]]).forEach(function (m) { out = out.concat(monthDays(y, m, rule, start)); });
    }
    if (rule.bymonth.length && rule.freq !== "YEARLY") {
      out = out.filter(function (t) { return rule.bymonth.indexOf(ymd(t)[1]) >= 0; });
    }
    return out;
  }

  function untilMs(text) {
    if (!text) return Infinity;
    var m = text.match(/^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/);
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 23), +(m[5] || 59), +(m[6] || 59)) : Infinity;
  }

  // The next `count` occurrences (instants, ms) starting at or after `now`; null if the rule
  // uses a part this does not expand.
  function next(meeting, now, count, horizonDays) {
    var rule = parseRule(meeting.rrule);
    if (!rule) return null;
    var d = meeting.dtstart.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/);
    var start = civil(+d[1], +d[2], +d[3]), hh = +d[4], mm = +d[5];
    var first = instant(start, hh, mm, meeting.tz), until = untilMs(rule.until);
    var limit = now + (horizonDays || 400) * DAY, out = [], seen = 0;
    for (var k = 0; k < 100000; k++) {
      var dates = period(rule, start, k);
      for (var i = 0; i < dates.length; i++) {
        var at = instant(dates[i], hh, mm, meeting.tz);
        if (at < first) continue;
        if (at > until || (rule.count !== null && seen >= rule.count)) return out;
        seen++;
        if (at >= now && meeting.exdates.indexOf(iso(dates[i])) < 0) {
          if (at >= limit) return out;
          out.push(at);
          if (out.length >= count) return out;
        }
      }
      if (dates.length && instant(dates[dates.length - 1], hh, mm, meeting.tz) >= limit) return out;
    }
    return out;
  }

  var readerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  function format(ms, tz, withDate) {
    var opts = { timeZone: tz, hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
    if (withDate) { opts.weekday = "short"; opts.day = "numeric"; opts.month = "short"; opts.year = "numeric"; }
    return new Intl.DateTimeFormat(undefined, opts).format(new Date(ms));
  }

  function occurrence(ms, meeting) {
    var time = document.createElement("time");
    time.setAttribute("datetime", new Date(ms).toISOString().slice(0, 16) + "Z");
    time.className = "mlhub-reader-time";
    time.textContent = format(ms, readerZone, true);
    var frag = document.createDocumentFragment();
    frag.appendChild(time);
    if (meeting.tz !== readerZone) {
      var org = document.createElement("span");
      org.className = "mlhub-organiser-time";
      org.textContent = " · organiser: " + format(ms, meeting.tz, false) + " (" + meeting.tz + ")";
      frag.appendChild(org);
    }
    return frag;
  }

  function renderWhen(el, now) {
    var meeting = JSON.parse(el.getAttribute("data-meeting"));
    var times = next(meeting, now, parseInt(el.getAttribute("data-count"), 10));
    if (times === null) return;  // a rule the page cannot expand: the build's dates stay
    el.textContent = "";
    if (el.tagName === "UL") {
      if (!times.length) { var none = document.createElement("li"); none.textContent = "No meeting scheduled."; el.appendChild(none); }
      times.forEach(function (t) { var li = document.createElement("li"); li.appendChild(occurrence(t, meeting)); el.appendChild(li); });
    } else {
      if (times.length) el.appendChild(occurrence(times[0], meeting)); else el.textContent = "not scheduled";
    }
    el.setAttribute("data-rendered", "reader");
  }

  function renderAgenda(el, now) {
    var meetings = JSON.parse(el.getAttribute("data-meetings")), days = parseInt(el.getAttribute("data-days"), 10);
    var rows = [];
    for (var i = 0; i < meetings.length; i++) {
      var times = next(meetings[i], now, 1000, days);
      if (times === null) return;  // keep the build's table
      times.forEach(function (t) { rows.push({ at: t, m: meetings[i] }); });
    }
    rows.sort(function (a, b) { return a.at - b.at || (a.m.title < b.m.title ? -1 : 1); });
    var body = el.querySelector("tbody");
    if (!body) return;
    body.textContent = "";
    rows.forEach(function (r) {
      var tr = document.createElement("tr"), when = document.createElement("td"), what = document.createElement("td"),
        group = document.createElement("td");
      when.appendChild(occurrence(r.at, r.m));
      if (r.m.url) { var a = document.createElement("a"); a.href = r.m.url; a.textContent = r.m.title; what.appendChild(a); }
      else what.textContent = r.m.title;
      if (r.m.href) { var g = document.createElement("a"); g.href = r.m.href; g.textContent = r.m.group; group.appendChild(g); }
      else group.textContent = r.m.group;
      tr.appendChild(when); tr.appendChild(what); tr.appendChild(group);
      body.appendChild(tr);
    });
    el.setAttribute("data-rendered", "reader");
  }

  function webcal(root) {
    root.querySelectorAll("a.mlhub-webcal").forEach(function (a) {
      var url = new URL(a.getAttribute("href"), document.baseURI);
      if (url.protocol === "http:" || url.protocol === "https:") a.href = "webcal://" + url.host + url.pathname;
    });
  }

  // The requests page: show the rows matching every chosen filter, and say how many.
  function filterRequests(block) {
    var selects = block.querySelectorAll("select[data-filter]"), rows = block.querySelectorAll("tbody tr");
    var count = block.querySelector(".mlhub-filter-count");
    function apply() {
      var shown = 0;
      rows.forEach(function (tr) {
        var ok = true;
        selects.forEach(function (s) {
          var want = s.value, key = s.getAttribute("data-filter");
          if (!want) return;
          var have = key === "service" ? tr.getAttribute("data-services").split(" ") : [tr.getAttribute("data-" + key)];
          if (have.indexOf(want) < 0) ok = false;
        });
        tr.hidden = !ok;
        if (ok) shown++;
      });
      if (count) count.textContent = shown + " of " + rows.length + " requests shown.";
    }
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    apply();
  }

  // The feedback form: JSON to the bot; its answer (thanks, or what to fix) shown as text.
  function feedbackForm(form) {
    var status = form.querySelector(".mlhub-feedback-status");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var choice = form.querySelector("input[name=helped]:checked");
      var blocked = form.querySelector("textarea[name=blocked]").value;
      if (!choice) { status.textContent = "Choose Yes or No first."; return; }
      if (choice.value === "no" && !blocked.trim()) {
        status.textContent = "Say what blocked you, so the owners can fix it.";
        form.querySelector("textarea[name=blocked]").focus();
        return;
      }
      var button = form.querySelector("button");
      button.disabled = true;
      status.textContent = "Sending…";
      fetch(form.getAttribute("data-url"), {
        method: "POST", headers: { "Content-Type": "application/json" }, credentials: "omit",
        body: JSON.stringify({ page: form.getAttribute("data-page"), helped: choice.value === "yes", blocked: blocked })
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          status.textContent = res.ok ? (body.message || "Thank you: sent.")
            : (body.error || ("Not sent (HTTP " + res.status + ")."));
          if (res.ok) form.reset();
        });
      }).catch(function () {
        status.textContent = "Not sent: the feedback service cannot be reached. Try again later.";
      }).then(function () { button.disabled = false; });
    });
  }

  function run() {
    var now = Date.now();
    document.querySelectorAll(".mlhub-requests-block").forEach(filterRequests);
    document.querySelectorAll("form.mlhub-feedback").forEach(feedbackForm);
    document.querySelectorAll(".mlhub-when[data-meeting]").forEach(function (el) { renderWhen(el, now); });
    document.querySelectorAll(".mlhub-agenda[data-meetings]").forEach(function (el) { renderAgenda(el, now); });
    webcal(document);
  }

  window.mlhubCalendar = { next: next, parseRule: parseRule };
  if (typeof document$ !== "undefined") document$.subscribe(run);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
