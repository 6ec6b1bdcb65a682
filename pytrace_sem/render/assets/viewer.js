/* The trace viewer: steps through one recorded trace embedded in the page.
 *
 * pytrace_sem/render/html.py inlines this file into every page it writes, after a
 * <script type="application/json" id="trace-data"> element that holds
 *   {"viewer": 1, "title": ..., "trace": <Trace.to_json()>,
 *    "monologue": [[sentence, step or null], ...] or null, "monologue_note": text or null}.
 * Plain JavaScript, no framework, no network: the page works opened from disk.
 *
 * Speed on long traces (50,000 steps and more):
 *  - the state at step i (the call stack and each frame's variables) is replayed from the
 *    nearest checkpoint before it; checkpoints are taken every CHECKPOINT_EVERY steps,
 *    lazily, the first time a step beyond them is shown, and share unchanged frames;
 *  - the step list draws only the rows in view;
 *  - nothing is computed per step and variable up front.
 */
(function () {
  "use strict";

  var CHECKPOINT_EVERY = 128;
  var ROW_HEIGHT = 20;        // px, matches .steps .row in viewer.css
  var FRAMES_SHOWN = 12;      // innermost frames drawn before "show all"
  var PAGE_JUMP = 10;         // steps moved by PageUp / PageDown

  // -- the state engine ------------------------------------------------------------
  //
  // A state is {stack, parked, token}: stack[d] is the frame at depth d, parked maps a
  // function name to generator frames that yielded and were left (they come back on
  // "resume"). Frames are shared between states; a state copies a frame (own) before
  // changing it, so checkpoints stay as they were.

  function emptyState() {
    return { stack: [], parked: new Map(), token: {} };
  }

  function cloneState(s) {
    var parked = new Map();
    s.parked.forEach(function (frames, fn) { parked.set(fn, frames.slice()); });
    return { stack: s.stack.slice(), parked: parked, token: {} };
  }

  function newFrame(fn, depth, id, token) {
    return { id: id, fn: fn, depth: depth, vars: new Map(), yielded: false, token: token };
  }

  function own(s, d) {
    var f = s.stack[d];
    if (f.token !== s.token) {
      f = { id: f.id, fn: f.fn, depth: d, vars: new Map(f.vars), yielded: f.yielded, token: s.token };
      s.stack[d] = f;
    }
    return f;
  }

  function truncate(s, n) {
    while (s.stack.length > n) {
      var f = s.stack.pop();
      if (f.yielded) {  // a suspended generator: it may resume later
        var list = s.parked.get(f.fn);
        if (!list) { list = []; s.parked.set(f.fn, list); }
        list.push(f);
      }
    }
  }

  /* Apply steps[i] to state s, the documented frame rules (docs/trace-format.md):
   * a "call" opens a frame at its depth; a step at depth d in the same function
   * continues the frame there; anything else (a resumed generator, a comprehension
   * scope) replaces it; frames deeper than d have ended. */
  function applyStep(s, step, i) {
    var d = step.depth, fn = step["function"], ev = step.event;
    if (ev !== "call" && d < s.stack.length && s.stack[d].fn === fn) {
      truncate(s, d + 1);
    } else {
      truncate(s, d);
      while (s.stack.length < d) {  // a trace that starts deep: callers that were not recorded
        s.stack.push(newFrame("(not recorded)", s.stack.length, i + "." + s.stack.length, s.token));
      }
      var back = null;
      if (ev !== "call") {
        var list = s.parked.get(fn);
        if (list && list.length) { back = list.pop(); }
      }
      s.stack.push(back || newFrame(fn, d, String(i), s.token));
    }
    var f = own(s, d);
    f.yielded = ev === "yield";
    var changes = step.changes || {};
    for (var name in changes) {
      if (Object.prototype.hasOwnProperty.call(changes, name)) { f.vars.set(name, changes[name]); }
    }
    var deleted = step.deleted || [];
    for (var k = 0; k < deleted.length; k++) { f.vars["delete"](deleted[k]); }
  }

  function Engine(steps) {
    this.steps = steps;
    this.checkpoints = [emptyState()];  // checkpoints[j]: the state before steps[j * CHECKPOINT_EVERY]
  }

  /* The state after steps[0..i] ran. */
  Engine.prototype.stateAt = function (i) {
    var j = Math.floor(i / CHECKPOINT_EVERY);
    while (this.checkpoints.length <= j) {
      var last = this.checkpoints.length - 1;
      var next = cloneState(this.checkpoints[last]);
      var end = (last + 1) * CHECKPOINT_EVERY;
      for (var k = last * CHECKPOINT_EVERY; k < end; k++) { applyStep(next, this.steps[k], k); }
      next.token = {};  // freeze: later states copy frames before changing them
      this.checkpoints.push(next);
    }
    var s = cloneState(this.checkpoints[j]);
    for (var m = j * CHECKPOINT_EVERY; m <= i; m++) { applyStep(s, this.steps[m], m); }
    return s;
  };

  // -- small DOM helpers ------------------------------------------------------------

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function byId(id) { return document.getElementById(id); }

  // -- values as nested boxes -------------------------------------------------------

  function renderValue(v) {
    if (v === null || v === undefined) { return el("span", "atom", "None"); }
    var isBox = Array.isArray(v.items) || Array.isArray(v.entries) ||
      (v.attrs && typeof v.attrs === "object");
    if (v.cycle) {
      var c = el("span", "atom cycle", v.repr);
      c.title = "the container holds itself here";
      c.dataset.repr = v.repr;
      return c;
    }
    if (!isBox) {
      var a = el("span", "atom" + (v.truncated ? " cut" : "") + (v.shared ? " shared" : ""), v.repr);
      a.title = v.type + (v.len !== undefined ? ", length " + v.len : "");
      a.dataset.repr = v.repr;
      return a;
    }
    var box = el("div", "box" + (v.truncated ? " cut" : "") + (v.shared ? " shared" : ""));
    box.dataset.repr = v.repr;
    box.dataset.type = v.type;
    box.title = v.repr;
    var label = v.type + (v.len !== undefined ? " (" + v.len + ")" : "");
    box.appendChild(el("div", "label", label));
    if (Array.isArray(v.items)) {
      var cells = el("div", "cells");
      var keyed = v.type === "list" || v.type === "tuple";
      v.items.forEach(function (item, idx) {
        var cell = el("div", "cell item");
        if (keyed) { cell.appendChild(el("span", "key", String(idx))); }
        cell.appendChild(renderValue(item));
        cells.appendChild(cell);
      });
      if (v.len !== undefined && v.len > v.items.length) {
        cells.appendChild(el("div", "cell rest", "\u2026 " + (v.len - v.items.length) + " more"));
      }
      box.appendChild(cells);
    }
    if (Array.isArray(v.entries)) {
      var rows = el("div", "rows");
      v.entries.forEach(function (pair) {
        var entry = el("div", "entry");
        entry.appendChild(renderValue(pair[0]));
        entry.appendChild(el("span", "sep", ":"));
        entry.appendChild(renderValue(pair[1]));
        rows.appendChild(entry);
      });
      if (v.len !== undefined && v.len > v.entries.length) {
        rows.appendChild(el("div", "rest", "\u2026 " + (v.len - v.entries.length) + " more"));
      }
      box.appendChild(rows);
    }
    if (v.attrs && typeof v.attrs === "object") {
      var attrs = el("div", "rows attrs");
      Object.keys(v.attrs).forEach(function (name) {
        var entry = el("div", "entry attr");
        entry.appendChild(el("span", "key", "." + name));
        entry.appendChild(el("span", "sep", "="));
        entry.appendChild(renderValue(v.attrs[name]));
        attrs.appendChild(entry);
      });
      box.appendChild(attrs);
    }
    return box;
  }

  // -- the step list: only visible rows exist ---------------------------------------

  function VirtualList(scroller, count, describe, onPick) {
    this.scroller = scroller;
    this.count = count;
    this.describe = describe;
    this.current = -1;
    this.inner = el("div", "steps");
    this.inner.style.height = (count * ROW_HEIGHT) + "px";
    scroller.appendChild(this.inner);
    var self = this;
    scroller.addEventListener("scroll", function () { self.draw(); });
    this.inner.addEventListener("click", function (event) {
      var row = event.target.closest(".row");
      if (row) { onPick(Number(row.dataset.step)); }
    });
  }

  VirtualList.prototype.draw = function () {
    var top = this.scroller.scrollTop;
    var height = this.scroller.clientHeight || 400;
    var first = Math.max(0, Math.floor(top / ROW_HEIGHT) - 5);
    var last = Math.min(this.count, Math.ceil((top + height) / ROW_HEIGHT) + 5);
    var frag = document.createDocumentFragment();
    for (var i = first; i < last; i++) {
      var row = el("div", "row" + (i === this.current ? " current" : ""), this.describe(i));
      row.style.top = (i * ROW_HEIGHT) + "px";
      row.dataset.step = String(i);
      frag.appendChild(row);
    }
    this.inner.textContent = "";
    this.inner.appendChild(frag);
  };

  VirtualList.prototype.show = function (i) {
    this.current = i;
    var top = this.scroller.scrollTop, height = this.scroller.clientHeight || 400;
    var y = i * ROW_HEIGHT;
    if (y < top || y + ROW_HEIGHT > top + height) {
      this.scroller.scrollTop = Math.max(0, y - Math.floor(height / 2));
    }
    this.draw();
  };

  // -- the page ---------------------------------------------------------------------

  function shortRepr(v, max) {
    var text = v && v.repr !== undefined ? v.repr : String(v);
    return text.length > max ? text.slice(0, max - 1) + "\u2026" : text;
  }

  function stepSummary(step) {
    var bits = [];
    var changes = step.changes || {};
    Object.keys(changes).forEach(function (name) { bits.push(name + " = " + shortRepr(changes[name], 40)); });
    (step.deleted || []).forEach(function (name) { bits.push("del " + name); });
    if (step.outcome !== undefined && step.outcome !== null) { bits.push("\u2192 " + (step.outcome ? "True" : "False")); }
    if (step.value) { bits.push(step.event + " " + shortRepr(step.value, 40)); }
    if (step.exception) { bits.push(step.exception.type + ": " + shortRepr({ repr: step.exception.message }, 60)); }
    return bits.join("; ");
  }

  function Viewer(data) {
    this.data = data;
    this.trace = data.trace;
    this.steps = this.trace.steps || [];
    this.engine = new Engine(this.steps);
    this.current = -1;
    this.showAllFrames = false;
    this.lineNodes = [];
    this.sentenceNodes = [];   // [node, step] for linked sentences, in text order
    this.currentSentence = null;
    this.build();
  }

  Viewer.prototype.build = function () {
    var self = this, t = this.trace;
    byId("title").textContent = this.data.title || t["function"];
    byId("call").textContent = "call: " + t.call;
    byId("outcome").textContent = t.exception
      ? "raised " + t.exception.type + ": " + t.exception.message
      : "returned " + (t["return"] ? t["return"].repr : "None");
    if (t.stopped) {
      byId("banner").textContent = "Recording stopped after " + t.stopped.after_step + " steps (" +
        t.stopped.reason + "); the call itself ran to its end.";
    }

    var source = byId("source");
    var lines = (t.source || "").split(/\r\n|\r|\n/);
    if (lines.length > 1 && lines[lines.length - 1] === "") { lines.pop(); }
    var frag = document.createDocumentFragment();
    lines.forEach(function (text, k) {
      var row = el("div", "line");
      row.dataset.line = String(k + 1);
      row.appendChild(el("span", "num", String(k + 1)));
      row.appendChild(el("span", "code", text.length ? text : " "));
      frag.appendChild(row);
      self.lineNodes.push(row);
    });
    source.appendChild(frag);

    var steps = this.steps;
    this.list = new VirtualList(byId("steps"), steps.length, function (i) {
      var s = steps[i];
      return "#" + i + "  L" + s.line + "  " + s.event + "  " + s["function"] + "  " + stepSummary(s);
    }, function (i) { self.go(i); });

    this.buildMonologue();

    var slider = byId("slider");
    slider.max = String(Math.max(0, steps.length - 1));
    slider.addEventListener("input", function () { self.go(Number(slider.value)); });
    byId("first").addEventListener("click", function () { self.go(0); });
    byId("prev").addEventListener("click", function () { self.go(self.current - 1); });
    byId("next").addEventListener("click", function () { self.go(self.current + 1); });
    byId("last").addEventListener("click", function () { self.go(steps.length - 1); });
    byId("frames").addEventListener("click", function (event) {
      if (event.target.classList.contains("more")) {
        self.showAllFrames = !self.showAllFrames;
        self.render();
      }
    });
    // Capture phase, so the slider's own arrow-key handling does not step twice.
    window.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      var to = null;
      switch (event.key) {
        case "ArrowRight": to = self.current + 1; break;
        case "ArrowLeft": to = self.current - 1; break;
        case "Home": to = 0; break;
        case "End": to = steps.length - 1; break;
        case "PageDown": to = self.current + PAGE_JUMP; break;
        case "PageUp": to = self.current - PAGE_JUMP; break;
        default: return;
      }
      event.preventDefault();
      self.go(to);
    }, true);
  };

  Viewer.prototype.buildMonologue = function () {
    var self = this, box = byId("monologue");
    var sentences = this.data.monologue;
    if (!sentences) {
      byId("monologue-pane").hidden = !this.data.monologue_note;
      if (this.data.monologue_note) { box.appendChild(el("p", "note", this.data.monologue_note)); }
      return;
    }
    var frag = document.createDocumentFragment();
    sentences.forEach(function (pair, k) {
      var text = pair[0], step = pair[1];
      var cls = "sentence" + (/^\s*#{1,6}\s/.test(text) ? " heading" : "");
      var node = el("div", cls, text.length ? text : " ");
      node.dataset.sentence = String(k);
      if (step !== null && step !== undefined && step >= 0 && step < self.steps.length) {
        node.className += " linked";
        node.dataset.step = String(step);
        node.title = "go to step " + step;
        self.sentenceNodes.push([node, step]);
      }
      frag.appendChild(node);
    });
    box.appendChild(frag);
    box.addEventListener("click", function (event) {
      var node = event.target.closest(".sentence.linked");
      if (node) { self.go(Number(node.dataset.step)); }
    });
  };

  Viewer.prototype.go = function (i) {
    if (!this.steps.length) { return; }
    i = Math.max(0, Math.min(this.steps.length - 1, Math.round(i)));
    if (i === this.current) { return; }
    this.current = i;
    this.render();
  };

  Viewer.prototype.render = function () {
    var i = this.current, step = this.steps[i];
    byId("slider").value = String(i);
    byId("counter").textContent = "step " + i + " / " + (this.steps.length - 1);
    var info = "line " + step.line + " \u00b7 " + step.event + " in " + step["function"] +
      " (depth " + step.depth + ")";
    var summary = stepSummary(step);
    byId("stepinfo").textContent = info + (summary ? " \u00b7 " + summary : "");
    document.body.dataset.step = String(i);

    var prev = byId("source").querySelector(".line.current");
    if (prev) { prev.classList.remove("current"); }
    var line = this.lineNodes[step.line - 1];
    if (line) {
      line.classList.add("current");
      scrollIntoPane(byId("source-scroll"), line);
    }
    this.list.show(i);
    this.renderFrames(step, this.engine.stateAt(i));
    this.markSentence(i);
  };

  Viewer.prototype.renderFrames = function (step, state) {
    var box = byId("frames");
    box.textContent = "";
    var stack = state.stack;
    var changed = step.changes || {};
    var deleted = step.deleted || [];
    var shown = this.showAllFrames ? stack.length : Math.min(stack.length, FRAMES_SHOWN);
    var frag = document.createDocumentFragment();
    for (var k = 0; k < shown; k++) {
      var d = stack.length - 1 - k;   // innermost first
      var f = stack[d];
      var active = d === step.depth;
      var node = el("div", "frame" + (active ? " active" : ""));
      node.dataset.depth = String(d);
      node.dataset["function"] = f.fn;
      node.appendChild(el("div", "title", f.fn + "  \u00b7 depth " + d + (active ? "  \u00b7 running" : "")));
      f.vars.forEach(function (value, name) {
        var isChanged = active && Object.prototype.hasOwnProperty.call(changed, name);
        var row = el("div", "var" + (isChanged ? " changed" : ""));
        row.dataset.name = name;
        row.appendChild(el("span", "name", name));
        row.appendChild(renderValue(value));
        node.appendChild(row);
      });
      if (active) {
        deleted.forEach(function (name) {
          var row = el("div", "var deleted");
          row.dataset.name = name;
          row.appendChild(el("span", "name", name));
          row.appendChild(el("span", "atom", "deleted"));
          node.appendChild(row);
        });
      }
      if (!f.vars.size && !(active && deleted.length)) { node.appendChild(el("div", "empty", "no variables yet")); }
      frag.appendChild(node);
    }
    if (stack.length > FRAMES_SHOWN) {
      var more = el("button", "more", this.showAllFrames
        ? "show the innermost " + FRAMES_SHOWN + " frames only"
        : "show all " + stack.length + " frames (" + (stack.length - FRAMES_SHOWN) + " outer ones hidden)");
      more.type = "button";
      frag.appendChild(more);
    }
    box.appendChild(frag);
  };

  /* The sentence that tells the latest step at or before i. */
  Viewer.prototype.markSentence = function (i) {
    var best = null;
    for (var k = 0; k < this.sentenceNodes.length; k++) {
      var pair = this.sentenceNodes[k];
      if (pair[1] <= i && (best === null || pair[1] >= best[1])) { best = pair; }
    }
    var node = best ? best[0] : null;
    if (node === this.currentSentence) { return; }
    if (this.currentSentence) { this.currentSentence.classList.remove("current"); }
    this.currentSentence = node;
    if (node) {
      node.classList.add("current");
      scrollIntoPane(byId("monologue-scroll"), node);
    }
  };

  /* Scroll a pane (not the page) so that node is in view; .scroll panes are positioned,
   so node.offsetTop counts from the pane's top. */
  function scrollIntoPane(pane, node) {
    var top = node.offsetTop, bottom = top + node.offsetHeight;
    if (top < pane.scrollTop || bottom > pane.scrollTop + pane.clientHeight) {
      pane.scrollTop = Math.max(0, top - Math.floor(pane.clientHeight / 3));
    }
  }

  function start() {
    var data = JSON.parse(byId("trace-data").textContent);
    var viewer = new Viewer(data);
    viewer.go(0);
    if (!viewer.steps.length) { byId("stepinfo").textContent = "This trace has no steps."; }
    window.pytraceViewer = viewer;  // for the browser tests and the load benchmark
    document.body.dataset.ready = String(performance.now());
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
