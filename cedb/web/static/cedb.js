/* cedb web view: the figures (hand-written SVG) and, on the static site, filtering and sorting.
 *
 * No library, no network: every text goes into the page through textContent or
 * setAttribute, never through innerHTML, so a label like <script> shows as text.
 * On the static site the rows and their verdicts come from data/results.js, written
 * by `cedb site build` with the verdicts of cedb.practical under every profile; this
 * file only looks verdicts up, it never decides what is practical.
 */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var SITE = document.body.getAttribute("data-mode") === "site";
  var DATA = window.CEDB_DATA || null;
  var LISTS = ["category", "cell", "method", "salt", "solvent", "diluent"];
  var PARAMS = ["practical", "profile", "strict", "min_ce", "max_ce"].concat(LISTS)
    .concat(["year_from", "year_to", "paper", "sort", "page"]);
  var PAGE_SIZE = 500;  // as cedb.web.views.PAGE_SIZE

  // ------------------------------------------------------------------ parameters

  function readParams(search) {
    var raw = new URLSearchParams(search), out = {};
    PARAMS.forEach(function (name) {
      var values = raw.getAll(name).map(function (v) { return v.trim(); })
        .filter(function (v) { return v !== ""; });
      if (values.length) { out[name] = values; }
    });
    return out;
  }

  function queryString(params, changes) {
    var merged = {}, pairs = new URLSearchParams();
    Object.keys(params).forEach(function (k) { merged[k] = params[k].slice(); });
    Object.keys(changes || {}).forEach(function (k) {
      if (changes[k] === null) { delete merged[k]; } else { merged[k] = [changes[k]]; }
    });
    PARAMS.forEach(function (name) {
      (merged[name] || []).forEach(function (v) { pairs.append(name, v); });
    });
    var text = pairs.toString();
    return text ? "?" + text : "";
  }

  function one(params, name, fallback) {
    return params[name] ? params[name][0] : fallback;
  }

  function verdictKey(params) {
    var strict = ["1", "on", "yes", "true"].indexOf(one(params, "strict", "")) >= 0;
    return one(params, "profile", "review") + (strict ? "-strict" : "");
  }

  function number(params, name, whole) {
    var text = one(params, name, null);
    if (text === null) { return null; }
    var value = Number(text);
    if (text === "" || isNaN(value) || (whole && !Number.isInteger(value))) {
      throw new Error(name + " '" + text + "' is not " + (whole ? "a whole number" : "a number"));
    }
    return value;
  }

  // ------------------------------------------------------------------ filtering (static site)

  /* A chemical's abbreviation from any of its names, keyed as cedb.chemistry.vocabulary.name_key. */
  function chemical(name) {
    var text = name.normalize("NFKC").replace(/[\u2010-\u2015\u2212\u2043\ufe63\uff0d]/g, "-")
      .replace(/\s+/g, " ").trim();
    var key = text.length <= 2 ? text : text.toLowerCase();
    if (!Object.prototype.hasOwnProperty.call(DATA.chemicals, key)) {
      throw new Error("unknown chemical '" + name + "'; expected an abbreviation, name or synonym " +
                      "from the vocabulary (see 'cedb chem list')");
    }
    return DATA.chemicals[key];
  }

  /* The same selection as cedb.store.query.build, over the rows of data/results.js. */
  function select(rows, params) {
    var key = verdictKey(params);
    if (!DATA.profiles[one(params, "profile", "review")]) {
      throw new Error("unknown profile '" + one(params, "profile", "") + "'");
    }
    var practical = one(params, "practical", "any");
    if (["yes", "no", "any"].indexOf(practical) < 0) {
      throw new Error("practical '" + practical + "' is not yes, no or any");
    }
    var minCe = number(params, "min_ce"), maxCe = number(params, "max_ce");
    var yearFrom = number(params, "year_from", true), yearTo = number(params, "year_to", true);
    var paper = one(params, "paper", null);
    var components = [];
    ["salt", "solvent", "diluent"].forEach(function (role) {
      (params[role] || []).forEach(function (name) {
        components.push("|" + role + ":" + chemical(name).toLowerCase() + "|");
      });
    });
    var out = rows.filter(function (row) {
      var verdict = row.verdicts[key][0];
      if (practical === "yes" && verdict !== "yes") { return false; }
      if (practical === "no" && verdict !== "no") { return false; }
      if (minCe !== null && !(row.ce_percent >= minCe)) { return false; }
      if (maxCe !== null && !(row.ce_percent <= maxCe)) { return false; }
      for (var i = 0; i < 3; i++) {
        var name = ["category", "cell", "method"][i];
        if (params[name] && params[name].indexOf(row[name]) < 0) { return false; }
      }
      var comps = (row.components || "").toLowerCase();
      for (var j = 0; j < components.length; j++) {
        if (comps.indexOf(components[j]) < 0) { return false; }
      }
      if (paper !== null && row.paper !== paper && row.doi !== paper.toLowerCase()) { return false; }
      if (yearFrom !== null && !(row.year !== null && row.year >= yearFrom)) { return false; }
      if (yearTo !== null && !(row.year !== null && row.year <= yearTo)) { return false; }
      return true;
    });
    var sort = one(params, "sort", "id"), descending = sort.charAt(0) === "-";
    var field = sort.replace(/^-/, "");
    if (field === "lce") { field = "ce_percent"; }
    if (DATA.keys.indexOf(field) < 0) {
      throw new Error("cannot sort by '" + field + "': use one of " + DATA.keys.join(", "));
    }
    out.sort(function (a, b) {
      var x = a[field], y = b[field];
      if (x === null || y === null) {
        if (x === null && y !== null) { return 1; }
        if (y === null && x !== null) { return -1; }
      } else if (x !== y) {
        var order = x < y ? -1 : 1;
        return descending ? -order : order;
      }
      return a.id - b.id;
    });
    return out;
  }

  // ------------------------------------------------------------------ the results page (static)

  function download(name, type, text) {
    var url = URL.createObjectURL(new Blob([text], {type: type}));
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  function showError(message) {
    var box = document.getElementById("error");
    if (!box) {
      box = document.createElement("p");
      box.id = "error";
      box.className = "error";
      box.setAttribute("role", "alert");
      var form = document.querySelector("form.filters");
      form.parentNode.insertBefore(box, form.nextSibling);
    }
    box.textContent = message ? "Error: " + message : "";
    box.hidden = !message;
  }

  function fillForm(params) {
    var form = document.querySelector("form.filters");
    if (!form) { return; }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) { return; }
      if (el.name === "strict") {
        el.checked = /-strict$/.test(verdictKey(params));
      } else if (el.type === "checkbox") {
        el.checked = (params[el.name] || []).indexOf(el.value) >= 0;
      } else if (el.multiple) {
        Array.prototype.forEach.call(el.options, function (option) {
          option.selected = (params[el.name] || []).indexOf(option.value) >= 0;
        });
      } else if (el.tagName === "SELECT") {
        var fallback = {practical: "any", profile: "review"}[el.name] || "";
        el.value = one(params, el.name, fallback);
      } else if (el.type !== "hidden") {
        el.value = one(params, el.name, "");
      }
    });
    var hidden = form.querySelector("input[name=sort]");
    if (params.sort) {
      if (!hidden) {
        hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "sort";
        form.appendChild(hidden);
      }
      hidden.value = params.sort[0];
    } else if (hidden) {
      hidden.remove();
    }
  }

  function updateLinks(params) {
    var qs = queryString(params, {page: null});
    document.querySelectorAll("nav a").forEach(function (a) {
      var base = a.getAttribute("href").split("?")[0];
      if (/(index|figures)\.html$/.test(base)) { a.setAttribute("href", base + qs); }
    });
    document.querySelectorAll("a[href^='figures.html'], a[href^='index.html']").forEach(function (a) {
      if (!a.closest("nav") && !a.classList.contains("sort")) {
        a.setAttribute("href", a.getAttribute("href").split("?")[0] + qs);
      }
    });
    var rule = document.getElementById("rule");
    var profile = DATA.profiles[one(params, "profile", "review")];
    if (rule && profile) { rule.textContent = profile[params.strict ? "strict_rule" : "rule"]; }
  }

  var LABELS = ["ID", "Paper", "Year", "Category", "Strategy", "Cell", "Method", "Current (mA cm⁻²)",
                "Capacity (mAh cm⁻²)", "Cycles", "CE (%)", "Practical"];  // as results.html

  function cell(tr, content, className) {
    var td = document.createElement("td");
    td.setAttribute("data-label", LABELS[tr.children.length]);
    if (className) { td.className = className; }
    if (content !== null) { td.appendChild(content); }
    tr.appendChild(td);
    return td;
  }

  function textNode(value) {
    return document.createTextNode(value === null || value === undefined ? "" :
      typeof value === "number" ? fmt(value) : String(value));
  }

  function linkTo(href, value) {
    var a = document.createElement("a");
    a.setAttribute("href", href);
    a.textContent = String(value);
    return a;
  }

  /* One row of the results table, as results.html draws it (every text through textContent). */
  function renderRow(row, key) {
    var tr = document.createElement("tr"), verdict = row.verdicts[key];
    tr.setAttribute("data-id", row.id);
    cell(tr, linkTo(row.href, row.id));
    cell(tr, linkTo(row.paper_href, row.paper));
    ["year", "category", "label", "cell", "method"].forEach(function (k) { cell(tr, textNode(row[k])); });
    ["current_density_mA_cm2", "areal_capacity_mAh_cm2", "cycles"].forEach(function (k) {
      cell(tr, textNode(row[k]), "n");
    });
    var ce = cell(tr, textNode(row.ce_percent), "n");
    if (row.full_cell_derived) {
      var abbr = document.createElement("abbr");
      abbr.title = "derived from full-cell data";
      abbr.textContent = "#";
      ce.appendChild(abbr);
    }
    var td = cell(tr, null, "verdict"), word = document.createElement("span"), reason = document.createElement("span");
    word.className = "v v-" + verdict[0];
    word.textContent = verdict[0];
    reason.className = "reason";
    reason.textContent = DATA.reasons[verdict[1]];
    td.appendChild(word);
    td.appendChild(document.createTextNode(" "));
    td.appendChild(reason);
    return tr;
  }

  function setupResults() {
    var table = document.getElementById("results");
    var tbody = table.tBodies[0];
    var current = [];

    function apply() {
      var params = readParams(location.search);
      fillForm(params);
      var rows, page = 1, pages = 1;
      try {
        rows = select(DATA.rows, params);
        pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
        page = number(params, "page", true);
        page = page === null ? 1 : page;
        if (page < 1 || page > pages) {
          throw new Error("page " + page + " does not exist: the selection has " + pages + " page(s)");
        }
        showError(null);
      } catch (error) {
        showError(error.message);
        rows = [];
      }
      current = rows;
      var key = verdictKey(params), fragment = document.createDocumentFragment();
      var first = (page - 1) * PAGE_SIZE, shown = rows.slice(first, first + PAGE_SIZE);
      shown.forEach(function (row) { fragment.appendChild(renderRow(row, key)); });
      tbody.textContent = "";
      tbody.appendChild(fragment);
      document.getElementById("count").textContent = String(rows.length);
      document.getElementById("plural").textContent = rows.length === 1 ? "" : "s";
      document.getElementById("empty").hidden = rows.length > 0;
      document.getElementById("pager").hidden = pages === 1;
      document.getElementById("shown").textContent = "Showing " + (first + 1) + "–" + (first + shown.length) + " of " + rows.length;
      var prev = document.getElementById("prev"), next = document.getElementById("next");
      prev.hidden = page === 1;
      next.hidden = page === pages;
      prev.setAttribute("href", "index.html" + queryString(params, {page: String(page - 1)}));
      next.setAttribute("href", "index.html" + queryString(params, {page: String(page + 1)}));
      var sort = one(params, "sort", "");
      table.querySelectorAll("thead th[data-key]").forEach(function (th) {
        var k = th.getAttribute("data-key"), nextSort = sort === k ? "-" + k : k;
        th.removeAttribute("aria-sort");
        if (sort === k) { th.setAttribute("aria-sort", "ascending"); }
        if (sort === "-" + k) { th.setAttribute("aria-sort", "descending"); }
        var a = th.querySelector("a.sort");
        a.setAttribute("data-sort", nextSort);
        a.setAttribute("href", "index.html" + queryString(params, {sort: nextSort, page: null}));
      });
      updateLinks(params);
    }

    document.getElementById("pager").addEventListener("click", function (event) {
      var a = event.target.closest("a");
      if (!a) { return; }
      event.preventDefault();
      history.pushState(null, "", a.getAttribute("href"));
      apply();
      table.scrollIntoView();
    });
    table.querySelector("thead").addEventListener("click", function (event) {
      var a = event.target.closest("a.sort");
      if (!a) { return; }
      event.preventDefault();
      history.pushState(null, "", a.getAttribute("href"));
      apply();
    });
    var form = document.querySelector("form.filters");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var pairs = [];
      new FormData(form).forEach(function (value, name) { pairs.push([name, value]); });
      var params = readParams(new URLSearchParams(pairs).toString());
      history.pushState(null, "", "index.html" + queryString(params, {}));
      apply();
    });
    window.addEventListener("popstate", apply);
    var downloads = {
      "dl-csv": function () {
        return ["cedb-results.csv", "text/csv", DATA.csv_header + current.map(function (r) { return r.csv; }).join("")];
      },
      "dl-json": function () {
        var out = current.map(function (r) {
          var o = {};
          DATA.json_keys.forEach(function (k) { o[k] = r[k]; });
          return o;
        });
        return ["cedb-results.json", "application/json", JSON.stringify(out, null, 2) + "\n"];
      },
      "dl-bib": function () {
        var keys = [];
        current.forEach(function (r) {
          [r.paper, r.source].forEach(function (k) { if (k && keys.indexOf(k) < 0) { keys.push(k); } });
        });
        return ["cedb-results.bib", "application/x-bibtex",
                keys.map(function (k) { return DATA.bibtex[k] || ""; }).join("\n")];
      }
    };
    Object.keys(downloads).forEach(function (id) {
      document.getElementById(id).addEventListener("click", function (event) {
        event.preventDefault();
        download.apply(null, downloads[id]());
      });
    });
    apply();
  }

  // ------------------------------------------------------------------ figures

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVGNS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function text(parent, x, y, content, attrs) {
    var node = el("text", Object.assign({x: x, y: y}, attrs || {}), parent);
    node.textContent = content;
    return node;
  }

  function fmt(value) {
    return value === null || value === undefined ? "?" : String(+Number(value).toPrecision(6));
  }

  function describe(row) {
    var conditions = [fmt(row.current_density_mA_cm2) + " mA cm⁻²",
                      fmt(row.areal_capacity_mAh_cm2) + " mAh cm⁻²"];
    if (row.cycles !== null) { conditions.push(row.cycles + " cycles"); }
    if (row.cell) { conditions.push(row.cell); }
    conditions.push(row.method);
    return [
      (row.label || "(no strategy)") + " — CE " + fmt(row.ce_percent) + " %" +
        (row.full_cell_derived ? " (# full-cell derived)" : ""),
      conditions.join(", "),
      "practical: " + row.verdict + (row.reason ? " (" + row.reason + ")" : ""),
      "Reference: " + row.paper + (row.year !== null ? " (" + row.year + ")" : "") + " · result " + row.id
    ];
  }

  function showTip(event, row) {
    var tip = document.getElementById("tooltip");
    tip.textContent = "";
    describe(row).forEach(function (line, i) {
      var p = document.createElement(i === 0 ? "strong" : "span");
      p.textContent = line;
      tip.appendChild(p);
    });
    tip.hidden = false;
    var box = event.currentTarget.getBoundingClientRect();
    var left = Math.min(window.scrollX + box.right + 8, window.scrollX + document.documentElement.clientWidth - 300);
    tip.style.left = Math.max(window.scrollX + 4, left) + "px";
    tip.style.top = (window.scrollY + box.bottom + 6) + "px";
  }

  function hideTip() { document.getElementById("tooltip").hidden = true; }

  function colours(config) {
    var out = {};
    config.categories.forEach(function (c) { out[c.key] = c; });
    return out;
  }

  function legend(container, config, rows) {
    var present = {}, list = document.createElement("ul");
    rows.forEach(function (r) { present[r.category || ""] = true; });
    list.className = "legend";
    config.categories.forEach(function (c) {
      if (!present[c.key]) { return; }
      var li = document.createElement("li"), swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = c.colour;
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(c.title));
      list.appendChild(li);
    });
    container.appendChild(list);
  }

  function point(svg, row, x, y, style) {
    var link = el("a", {href: row.href, "data-id": row.id, "class": "point"}, svg);
    var lines = describe(row);
    link.setAttribute("aria-label", lines.join("; "));
    var circle = el("circle", Object.assign({cx: x.toFixed(2), cy: y.toFixed(2), r: 5}, style), link);
    el("title", {}, circle).textContent = lines.join("\n");
    link.addEventListener("mouseenter", function (e) { showTip(e, row); });
    link.addEventListener("focus", function (e) { showTip(e, row); });
    link.addEventListener("mouseleave", hideTip);
    link.addEventListener("blur", hideTip);
    return link;
  }

  var W = 640, H = 400, M = {left: 56, right: 16, top: 14, bottom: 44};

  function frame(container, title, xlabel, ylabel) {
    container.textContent = "";
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, role: "group", "aria-label": title}, container);
    el("rect", {x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom,
                "class": "plot-area"}, svg);
    text(svg, (M.left + W - M.right) / 2, H - 6, xlabel, {"text-anchor": "middle", "class": "axis-label"});
    text(svg, 14, (M.top + H - M.bottom) / 2, ylabel,
         {"text-anchor": "middle", "class": "axis-label", transform: "rotate(-90 14 " + (M.top + H - M.bottom) / 2 + ")"});
    return svg;
  }

  function progress(container, rows, config) {
    var style = colours(config);
    var shown = rows.filter(function (r) {
      return r.verdict === "yes" && r.year !== null && r.ce_percent !== null;
    });
    shown.sort(function (a, b) { return a.year - b.year || a.ce_percent - b.ce_percent; });
    var svg = frame(container, "CE against year of publication", "Year of publication", "Coulombic efficiency (%)");
    var note = document.getElementById("fig5-note");
    if (!shown.length) {
      text(svg, W / 2, H / 2, "No practical result with a year in this selection.", {"text-anchor": "middle"});
      note.textContent = "";
      return;
    }
    var years = shown.map(function (r) { return r.year; });
    var y0 = Math.min.apply(null, years), y1 = Math.max.apply(null, years);
    var lowest = Math.min.apply(null, shown.map(function (r) { return r.ce_percent; }));
    var ceLow = Math.min(98.5, Math.floor(lowest * 2 - 0.5) / 2), ceHigh = 100;
    var sx = function (v) { return M.left + (v - (y0 - 0.7)) / (y1 - y0 + 1.4) * (W - M.left - M.right); };
    var sy = function (v) { return H - M.bottom - (v - ceLow) / (ceHigh - ceLow) * (H - M.top - M.bottom); };
    var step = Math.max(1, Math.ceil((y1 - y0 + 1) / 12));
    for (var year = y0; year <= y1; year += step) {
      text(svg, sx(year), H - M.bottom + 16, String(year), {"text-anchor": "middle", "class": "tick"});
    }
    var ceStep = (ceHigh - ceLow) > 10 ? 5 : (ceHigh - ceLow) > 3 ? 1 : 0.5;
    for (var ce = Math.ceil(ceLow / ceStep) * ceStep; ce <= ceHigh + 1e-9; ce += ceStep) {
      text(svg, M.left - 6, sy(ce) + 4, fmt(ce), {"text-anchor": "end", "class": "tick"});
      el("line", {x1: M.left, x2: W - M.right, y1: sy(ce), y2: sy(ce), "class": "grid"}, svg);
    }
    [99.0, 99.9].forEach(function (g) {
      if (g > ceLow) {
        el("line", {x1: M.left, x2: W - M.right, y1: sy(g), y2: sy(g), "class": "guide"}, svg);
        text(svg, W - M.right - 4, sy(g) - 4, fmt(g) + " %", {"text-anchor": "end", "class": "tick"});
      }
    });
    var groups = {};
    shown.forEach(function (r) { (groups[r.year] = groups[r.year] || []).push(r); });
    Object.keys(groups).forEach(function (y) {
      var group = groups[y], n = group.length;
      group.forEach(function (r, i) {
        var x = n === 1 ? r.year : r.year - 0.3 + 0.6 * i / (n - 1);
        var c = style[r.category || ""] || style[""];
        var p = point(svg, r, sx(x), sy(r.ce_percent), {
          fill: c.colour, stroke: r.category === "interface" ? "#000" : "#fff", "stroke-width": 1.2});
        p.setAttribute("data-year", r.year);
        p.setAttribute("data-ce", r.ce_percent);
      });
    });
    legend(container, config, shown);
    var left = rows.length - shown.length;
    note.textContent = shown.length + " point" + (shown.length === 1 ? "" : "s") +
      (left ? "; " + left + " selected result" + (left === 1 ? "" : "s") +
       " not practical or without a year left out." : ".");
  }

  /* A log domain a little wider than the values, and its ticks at 1, 2 and 5 per decade. */
  function logDomain(lo, hi) {
    var a = Math.log10(lo) - 0.12, b = Math.log10(hi) + 0.12;
    if (b - a < 1) { var mid = (a + b) / 2; a = mid - 0.5; b = mid + 0.5; }
    var ticks = [];
    for (var d = Math.floor(a); d <= Math.ceil(b); d++) {
      [1, 2, 5].forEach(function (m) {
        var v = m * Math.pow(10, d);
        if (Math.log10(v) >= a && Math.log10(v) <= b) { ticks.push(v); }
      });
    }
    return {lo: a, hi: b, ticks: ticks};
  }

  function conditions(container, rows, config, params) {
    var style = colours(config);
    var shown = rows.filter(function (r) {
      return r.current_density_mA_cm2 > 0 && r.areal_capacity_mAh_cm2 > 0;
    });
    var svg = frame(container, "Areal capacity against current density",
                    "Current density (mA cm⁻²)", "Areal capacity (mAh cm⁻²)");
    var note = document.getElementById("map-note");
    if (!shown.length) {
      text(svg, W / 2, H / 2, "No result with both current and capacity in this selection.", {"text-anchor": "middle"});
      note.textContent = "";
      return;
    }
    var limits = config.thresholds[one(params, "profile", "review")] || {};
    var cur = shown.map(function (r) { return r.current_density_mA_cm2; });
    var cap = shown.map(function (r) { return r.areal_capacity_mAh_cm2; });
    if (limits.current_density_mA_cm2) { cur.push(limits.current_density_mA_cm2); }
    if (limits.areal_capacity_mAh_cm2) { cap.push(limits.areal_capacity_mAh_cm2); }
    var dx = logDomain(Math.min.apply(null, cur), Math.max.apply(null, cur));
    var dy = logDomain(Math.min.apply(null, cap), Math.max.apply(null, cap));
    var sx = function (v) { return M.left + (Math.log10(v) - dx.lo) / (dx.hi - dx.lo) * (W - M.left - M.right); };
    var sy = function (v) { return H - M.bottom - (Math.log10(v) - dy.lo) / (dy.hi - dy.lo) * (H - M.top - M.bottom); };
    var xc = limits.current_density_mA_cm2 ? sx(limits.current_density_mA_cm2) : M.left;
    var yc = limits.areal_capacity_mAh_cm2 ? sy(limits.areal_capacity_mAh_cm2) : H - M.bottom;
    el("rect", {x: xc, y: M.top, width: W - M.right - xc, height: yc - M.top, "class": "practical-region"}, svg);
    dx.ticks.forEach(function (v) {
      text(svg, sx(v), H - M.bottom + 16, fmt(v), {"text-anchor": "middle", "class": "tick"});
      el("line", {x1: sx(v), x2: sx(v), y1: M.top, y2: H - M.bottom, "class": "grid"}, svg);
    });
    dy.ticks.forEach(function (v) {
      text(svg, M.left - 6, sy(v) + 4, fmt(v), {"text-anchor": "end", "class": "tick"});
      el("line", {x1: M.left, x2: W - M.right, y1: sy(v), y2: sy(v), "class": "grid"}, svg);
    });
    text(svg, W - M.right - 4, M.top + 14, "practical region", {"text-anchor": "end", "class": "tick"});
    shown.forEach(function (r) {
      var c = style[r.category || ""] || style[""], filled = r.verdict === "yes";
      var p = point(svg, r, sx(r.current_density_mA_cm2), sy(r.areal_capacity_mAh_cm2), {
        fill: filled ? c.colour : "#fff", stroke: c.colour, "stroke-width": 2, "fill-opacity": filled ? 0.85 : 1});
      p.setAttribute("data-current", r.current_density_mA_cm2);
      p.setAttribute("data-capacity", r.areal_capacity_mAh_cm2);
    });
    legend(container, config, shown);
    var left = rows.length - shown.length;
    note.textContent = shown.length + " point" + (shown.length === 1 ? "" : "s") +
      (left ? "; " + left + " selected result" + (left === 1 ? "" : "s") +
       " without both values left out." : ".");
  }

  function setupFigures() {
    var config = JSON.parse(document.getElementById("figure-config").textContent);

    function draw() {
      var params = readParams(location.search), rows = config.rows;
      if (SITE) {
        fillForm(params);
        updateLinks(params);
        var key = verdictKey(params);
        try {
          rows = select(DATA.rows, params).map(function (r) {
            return Object.assign({}, r, {verdict: r.verdicts[key][0], reason: DATA.reasons[r.verdicts[key][1]]});
          });
          showError(null);
        } catch (error) {
          showError(error.message);
          rows = [];
        }
      }
      progress(document.getElementById("fig5"), rows, config);
      conditions(document.getElementById("map"), rows, config, params);
    }

    if (SITE) {
      var form = document.querySelector("form.filters");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var pairs = [];
        new FormData(form).forEach(function (value, name) { pairs.push([name, value]); });
        var params = readParams(new URLSearchParams(pairs).toString());
        history.pushState(null, "", "figures.html" + queryString(params, {}));
        draw();
      });
      window.addEventListener("popstate", draw);
    }
    draw();
  }

  window.cedb = {select: select, readParams: readParams};
  if (document.getElementById("figure-config")) { setupFigures(); }
  if (SITE && document.getElementById("results")) { setupResults(); }
}());
