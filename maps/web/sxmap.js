(function () {
  "use strict";
  var sx = window.sxmap = window.sxmap || {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  sx.el = el;

  var TYPES = {u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, i16: Int16Array, i32: Int32Array, f32: Float32Array};
  sx.decode = function (b64, type) {
    if (typeof b64 !== "string") {  // bytes from a decompressed blob (4-byte aligned)
      return new TYPES[type](b64.buffer, b64.byteOffset, b64.byteLength / TYPES[type].BYTES_PER_ELEMENT);
    }
    var bin = atob(b64), n = bin.length, bytes = new Uint8Array(n);
    for (var i = 0; i < n; i++) { bytes[i] = bin.charCodeAt(i); }
    return new TYPES[type](bytes.buffer);
  };

  // Integer offsets of 3 or 4 bytes, little-endian.
  sx.decodeAxis = function (spec) {
    if (spec.b === 4) { return sx.decode(spec.c, "u32"); }
    if (spec.b === "v") {  // sorted values as LEB128 steps
      var raw = sx.decode(spec.c, "u8"), values = new Uint32Array(spec.n), v = 0, acc = 0, scale = 1, k = 0;
      for (var q = 0; q < raw.length; q++) {
        var byte = raw[q];
        acc += (byte & 127) * scale;
        if (byte < 128) { v += acc; values[k++] = v; acc = 0; scale = 1; } else { scale *= 128; }
      }
      return values;
    }
    var bytes = sx.decode(spec.c, "u8"), n = bytes.length / 3, out = new Uint32Array(n);
    for (var i = 0, j = 0; i < n; i++, j += 3) { out[i] = bytes[j] | (bytes[j + 1] << 8) | (bytes[j + 2] << 16); }
    return out;
  };

  // Columns: plain lists, or dictionaries whose codes are packed several to an integer.
  // Each column is {get(i) -> text, code(i) -> index into its dictionary}.
  sx.columns = function (plain, packs) {
    var cols = {}, key;
    for (key in plain) {
      if (Object.prototype.hasOwnProperty.call(plain, key)) {
        (function (values) {
          cols[key] = {get: function (i) { return values[i]; }, code: function (i) { return i; }};
        })(plain[key].v);
      }
    }
    packs.forEach(function (pack) {
      var codes = sx.decode(pack.c, pack.t);
      pack.cols.forEach(function (c) {
        var d = c.d, s = c.s, m = d.length || 1;
        var code = s === 1 ? function (i) { return codes[i] % m; } : function (i) { return Math.floor(codes[i] / s) % m; };
        cols[c.key] = {get: function (i) { return d[code(i)]; }, code: code, dict: d};
      });
    });
    return cols;
  };

  // A popup or tooltip body: a title and label/value rows, all as text.
  sx.card = function (title, rows, cls) {
    var box = el("div", "sx-card" + (cls ? " " + cls : ""));
    if (title !== undefined && title !== null && title !== "") { box.appendChild(el("div", "sx-card-title", title)); }
    if (rows && rows.length) {
      var table = el("table");
      for (var i = 0; i < rows.length; i++) {
        var value = rows[i][1];
        if (value === undefined || value === null || value === "") { continue; }
        var tr = el("tr");
        tr.appendChild(el("th", null, rows[i][0]));
        tr.appendChild(el("td", null, value));
        table.appendChild(tr);
      }
      box.appendChild(table);
    }
    return box;
  };

  sx.ensureHatch = function () {
    if (document.getElementById("sx-nodata")) { return; }
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "0"); svg.setAttribute("height", "0");
    svg.setAttribute("aria-hidden", "true");
    svg.style.position = "absolute";
    var defs = document.createElementNS(ns, "defs");
    var pattern = document.createElementNS(ns, "pattern");
    pattern.setAttribute("id", "sx-nodata");
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("width", "8"); pattern.setAttribute("height", "8");
    pattern.setAttribute("patternTransform", "rotate(45)");
    var rect = document.createElementNS(ns, "rect");
    rect.setAttribute("width", "8"); rect.setAttribute("height", "8"); rect.setAttribute("fill", sx.NO_DATA_FILL);
    var line = document.createElementNS(ns, "line");
    line.setAttribute("x1", "0"); line.setAttribute("y1", "0"); line.setAttribute("x2", "0"); line.setAttribute("y2", "8");
    line.setAttribute("stroke", sx.NO_DATA_LINE); line.setAttribute("stroke-width", "2.5");
    pattern.appendChild(rect); pattern.appendChild(line); defs.appendChild(pattern); svg.appendChild(defs);
    document.body.appendChild(svg);
  };
  sx.NO_DATA_FILL = "#f2f2f2";
  sx.NO_DATA_LINE = "#bdbdbd";


  // A number as the page shows amounts: up to 2 decimals, thousands separated (no locale: the
  // same text in every browser).
  sx.fmt = function (v) {
    if (v === null || v === undefined || isNaN(v)) { return ""; }
    var neg = v < 0, text = Math.abs(v).toFixed(2).replace(/\.?0+$/, ""), parts = text.split(".");
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (neg ? "-" : "") + parts.join(".");
  };
  // Decimals a number was written with (shortest form; at most 10: 元 amounts are 8 decimals of
  // 亿元): the precision of an amount.
  sx.decimals = function (v) {
    var text = String(Math.abs(v)), dot = text.indexOf(".");
    if (text.indexOf("e") >= 0) { return 10; }
    return dot < 0 ? 0 : Math.min(text.length - dot - 1, 10);
  };
  // The amount part of a summary: the known total, and how many have no amount (never "0" for
  // unknown): T.amount_all "合计 {x} 亿元", T.amount_part "… （不含 {u} 个金额未知的项目）",
  // T.amount_none "其中 {u} 个金额未知"; "" when no project is counted.
  sx.amountText = function (T, count, known, sum, low) {
    var unknown = count - known, x = (low ? "≥" : "") + sx.fmt(sum);
    if (!count) { return ""; }
    var template = !known ? T.amount_none : (unknown ? T.amount_part : T.amount_all);
    return (template || "").replace("{x}", x).replace("{u}", sx.fmt(unknown)).replace("{k}", sx.fmt(known));
  };
  function fill(array, value) { for (var i = 0; i < array.length; i++) { array[i] = value; } return array; }

  // ---------------------------------------------------------------- panes and the per-map state
  // Drawing order: districts < links (overlayPane, 400) < platforms/enclaves < district labels
  // < projects < count markers < tooltips and popups. Platform and enclave symbols never cover a
  // project; labels (which take no clicks) neither.
  var PANES = {sxDistricts: 380, sxTownships: 410, sxPlaces: 420, sxLabels: 430, sxPoints: 450, sxStacks: 460};
  sx.panes = function (map) {
    for (var name in PANES) {
      if (Object.prototype.hasOwnProperty.call(PANES, name) && !map.getPane(name)) {
        var pane = map.createPane(name);
        pane.style.zIndex = PANES[name];
        if (name === "sxLabels") { pane.style.pointerEvents = "none"; }
      }
    }
  };
  if (window.L && L.Map && !L.Map.prototype._sxPanes) {
    L.Map.prototype._sxPanes = true;
    L.Map.addInitHook(function () { sx.panes(this); });
  }
  // Everything one map needs to know about its own layers (a page may hold several maps).
  sx.ctl = function (map) {
    if (!map._sxctl) { map._sxctl = {map: map, districts: [], edges: [], points: [], townships: []}; }
    return map._sxctl;
  };
  function once(list, item) { if (list.indexOf(item) < 0) { list.push(item); } }
  // Run fn at most once per animation frame (layout after moves, hover hit-tests).
  function throttled(fn) {
    var pending = false;
    return function () {
      var self = this, args = arguments;
      if (pending) { return; }
      pending = true;
      (window.requestAnimationFrame || function (f) { return setTimeout(f, 16); })(function () { pending = false; fn.apply(self, args); });
    };
  }

  // ---------------------------------------------------------------- districts
  sx.districts = function (spec) {
    sx.ensureHatch();
    var group = L.featureGroup(), byCode = {};
    var base = function (p) {
      return {className: "sx-district", color: spec.line || "#555555", weight: spec.weight || 1.2,
              fillColor: p.fill || "url(#sx-nodata)", fillOpacity: p.fill ? (spec.opacity || 0.75) : 1};
    };
    var polygons = L.geoJSON(spec.geojson, {
      pane: "sxDistricts",
      style: function (f) { return base(f.properties); },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        p.original = {fill: p.fill, rows: p.rows};
        if (p.adcode) { byCode[p.adcode] = layer; }
        layer.bindTooltip(function () { return sx.card(p.name, p.rows, "sx-tip"); }, {sticky: true});
        layer.on("mouseover", function () { layer.setStyle({weight: (spec.weight || 1.2) * 2.5}); });
        layer.on("mouseout", function () { layer.setStyle({weight: spec.weight || 1.2}); });
      }
    });
    group.addLayer(polygons);
    group.sxLabels = [];
    if (spec.labels) {
      for (var i = 0; i < spec.labels.length; i++) {
        var lab = spec.labels[i];
        var span = el("span", null, lab.text);
        group.addLayer(L.marker([lab.lat, lab.lon], {
          icon: L.divIcon({className: "sx-label", html: span, iconSize: [0, 0]}),
          interactive: false, keyboard: false, pane: "sxLabels"
        }));
        group.sxLabels.push({lat: lab.lat, lon: lab.lon, span: span});
      }
    }
    group.on("add", function (e) {
      var map = e.target._map;
      once(sx.ctl(map).districts, group);
      var update = function () { map.getContainer().classList.toggle("sx-small", map.getZoom() < (spec.labelZoom || 8)); };
      map.on("zoomend", update);
      map.on("zoomend moveend resize", throttled(function () { sx.layoutLabels(map); }));
      update();
    });
    // Colours that follow the filter (combined map): the district values recomputed from the
    // visible projects, classified with the same bins as the page was written with.
    group.recolour = function (pts, all) {
      var rc = spec.recolour;
      if (!rc) { return; }
      var n = pts.n, k = pts.adcodes.length, count = new Float64Array(k), sum = new Float64Array(k);
      var withAmount = new Float64Array(k), low = new Float64Array(k), ge = new Float64Array(k), i, d;
      if (!all) {
        for (i = 0; i < n; i++) {
          if (!pts.mask[i]) { continue; }
          d = pts.dist[i]; count[d]++;
          var a = pts.amt[i];
          if (a === a) { sum[d] += a; withAmount[d]++; if (rc.arg !== null && a >= rc.arg) { ge[d]++; } }
          if (pts.low[i]) { low[d]++; }
        }
      }
      polygons.eachLayer(function (layer) {
        var p = layer.feature.properties;
        if (all) { p.fill = p.original.fill; p.rows = p.original.rows; layer.setStyle(base(p)); return; }
        var j = pts.adcodes.indexOf(p.adcode), c = j < 0 ? 0 : count[j], v = NaN, text;
        if (rc.kind === "investment") { v = c > 0 && withAmount[j] > 0 ? sum[j] : NaN; }
        else if (rc.kind === "count") { v = c > 0 ? c : NaN; }
        else { v = c > 0 ? ge[j] : NaN; }
        if (v !== v) { p.fill = null; text = rc.texts.no_data; }
        else {
          var cls = 0;
          while (cls < rc.bins.length - 1 && v > rc.bins[cls] * (1 + 1e-12)) { cls++; }
          p.fill = rc.colours[cls];
          text = (rc.kind === "investment" && low[j] > 0 ? "≥" : "") + sx.fmt(v);
        }
        p.rows = [[rc.texts.label, text]];
        if (rc.kind !== "count" || v !== v) { p.rows.push([rc.texts.count, c ? String(c) : rc.texts.no_projects]); }
        layer.setStyle(base(p));
      });
    };
    return group;
  };

  // The boxes of the map's controls (legend, filter panel, layer control …) in container pixels,
  // [x0, y0, x1, y1] with a margin: no district label goes under one.
  function controlBoxes(map) {
    var container = map.getContainer(), c = container.getBoundingClientRect(), boxes = [], m = 2;
    Array.prototype.forEach.call(container.querySelectorAll(".leaflet-control"), function (control) {
      if (!control.offsetParent) { return; }
      var r = control.getBoundingClientRect();
      if (r.width && r.height) { boxes.push([r.left - c.left - m, r.top - c.top - m, r.right - c.left + m, r.bottom - c.top + m]); }
    });
    return boxes;
  }
  // District labels placed where they cover no project and no control covers them (a legend
  // never hides a name): below their point, else above, to the side, or farther out; hidden when
  // there is no room.
  sx.layoutLabels = function (map) {
    var ctl = sx.ctl(map), obstacles = [], size = map.getSize(), boxes = controlBoxes(map);
    ctl.points.forEach(function (layer) { if (map.hasLayer(layer)) { layer.sxObstacles(obstacles); } });
    ctl.districts.forEach(function (group) {
      if (!map.hasLayer(group)) { return; }
      group.sxLabels.forEach(function (lab) {
        var span = lab.span, w = span.offsetWidth || 40, h = span.offsetHeight || 16;
        var a = map.latLngToContainerPoint([lab.lat, lab.lon]), best = null;
        var tries = [[0, 1], [0, -1], [1, 0], [-1, 0]], dists = [9, 24, 44, 70, 100];
        for (var s = 0; s < dists.length && !best; s++) {
          for (var t = 0; t < tries.length && !best; t++) {
            var dx = tries[t][0], dy = tries[t][1], d = dists[s];
            var left = dx === 0 ? -w / 2 : (dx > 0 ? d : -d - w), top = dy === 0 ? -h / 2 : (dy > 0 ? d : -d - h);
            var x0 = a.x + left, y0 = a.y + top, free = true;
            for (var q = 0; q < boxes.length && free; q++) {
              if (x0 < boxes[q][2] && x0 + w > boxes[q][0] && y0 < boxes[q][3] && y0 + h > boxes[q][1]) { free = false; }
            }
            for (var o = 0; o < obstacles.length && free; o++) {
              var ob = obstacles[o], cx = Math.max(x0, Math.min(ob[0], x0 + w)), cy = Math.max(y0, Math.min(ob[1], y0 + h));
              if ((cx - ob[0]) * (cx - ob[0]) + (cy - ob[1]) * (cy - ob[1]) < ob[2] * ob[2]) { free = false; }
            }
            if (free) { best = [left, top]; }
          }
        }
        if (a.x < -w || a.y < -h || a.x > size.x + w || a.y > size.y + h) { best = best || [0, 0]; }
        span.style.visibility = best ? "" : "hidden";
        if (best) { span.style.transform = "translate(" + Math.round(best[0]) + "px," + Math.round(best[1]) + "px)"; }
      });
    });
  };
  // ---------------------------------------------------------------- outlines (city, hosts)
  sx.outlines = function (spec) {
    var group = L.featureGroup();
    group.addLayer(L.geoJSON(spec.geojson, {
      style: function () {
        return {className: "sx-outline", color: spec.colour || "#666666", weight: spec.weight || 1,
                dashArray: spec.dash || null, fill: spec.fill !== false, fillColor: spec.fillColour || "#999999",
                fillOpacity: spec.fillOpacity === undefined ? 0.08 : spec.fillOpacity, interactive: !!spec.tips};
      },
      onEachFeature: function (f, layer) {
        if (spec.tips && f.properties.name) {
          layer.bindTooltip(function () { return sx.card(f.properties.name, f.properties.rows, "sx-tip"); }, {sticky: true});
        }
      }
    }));
    return group;
  };


  // ---------------------------------------------------------------- points (projects)
  // Typed arrays, one entry a project: position, radius (px), amount (亿元, NaN when not
  // disclosed), lower-bound flag, colour code, approximate-location flag, year, district the
  // point lies in, pixel offset (projects sharing a spot are spread around it), stack (index of
  // the count marker gathering it, -1 for none), and the filter mask.
  function Points(spec) {
    var n = this.n = spec.n, i, c;
    var x = sx.decodeAxis(spec.x), y = sx.decodeAxis(spec.y);
    var lon = this.lon = new Float64Array(n), lat = this.lat = new Float64Array(n);
    for (i = 0; i < n; i++) { lon[i] = spec.x0 + x[i] * spec.q; lat[i] = spec.y0 + y[i] * spec.q; }
    var cols = this.cols = sx.columns(spec.plain, spec.packs);
    var size = cols[spec.size.key], values = spec.size.values, mins = spec.size.min || [];
    var nc = values.length, rc = new Float32Array(nc), ac = new Float64Array(nc);
    this.decimals = 0;
    for (c = 0; c < nc; c++) {
      var v = values[c], rad = (v !== null && v > 0) ? spec.scale * Math.sqrt(v) : 0;
      if (v !== null) { this.decimals = Math.max(this.decimals, sx.decimals(v)); }
      rc[c] = rad < spec.rmin ? spec.rmin : rad;
      ac[c] = v === null ? NaN : v;
    }
    var r = this.r = new Float32Array(n), amt = this.amt = new Float64Array(n), low = this.low = new Uint8Array(n);
    for (i = 0; i < n; i++) { c = size.code(i); r[i] = rc[c]; amt[i] = ac[c]; low[i] = mins[c] || 0; }
    var approx = this.approx = new Uint8Array(n), prec = cols[spec.approx.key], flags = spec.approx.flags;
    var colourCode = this.colourCode = new Uint16Array(n), ind = cols[spec.colour.key];
    for (i = 0; i < n; i++) { approx[i] = flags[prec.code(i)]; colourCode[i] = ind.code(i); }
    this.palette = spec.colour.palette;
    this.industryNames = spec.colour.names || [];
    this.industryLabels = ind.dict || [];
    var yearCol = cols[spec.yearKey || "year"], year = this.year = new Int16Array(n), memo = {};
    for (i = 0; i < n; i++) {
      var text = yearCol ? yearCol.get(i) : "";
      if (memo[text] === undefined) { memo[text] = parseInt(text, 10) || 0; }
      year[i] = memo[text];
    }
    var located = spec.located || {c: null, adcodes: [0], names: [""]};
    this.dist = located.c ? sx.decode(located.c, "u8") : new Uint8Array(n);
    this.adcodes = located.adcodes;
    this.districtNames = located.names;
    this.districtNamesOther = located.other || [];
    var dx = this.dx = new Float32Array(n), dy = this.dy = new Float32Array(n);
    if (spec.spread && spec.spread.i) {
      var ids = sx.decode(spec.spread.i, "u32"), sx_ = sx.decode(spec.spread.dx, "i16"), sy_ = sx.decode(spec.spread.dy, "i16");
      for (c = 0; c < ids.length; c++) { dx[ids[c]] = sx_[c]; dy[ids[c]] = sy_[c]; }
    }
    var stack = this.stack = fill(new Int32Array(n), -1), stacks = this.stacks = [];
    if (spec.stacks && spec.stacks.i) {
      var members = sx.decode(spec.stacks.i, "u32"), sizes = sx.decode(spec.stacks.n, "u32"), pos = 0;
      for (c = 0; c < sizes.length; c++) {
        var part = members.subarray(pos, pos + sizes[c]);
        pos += sizes[c];
        for (var k = 0; k < part.length; k++) { stack[part[k]] = c; }
        stacks.push({ids: part, lat: lat[part[0]], lon: lon[part[0]], visible: part.length});
      }
    }
    this.mask = fill(new Uint8Array(n), 1);
    this.spec = spec;
    this._drawOrder();
    this._totals();
    this.all = {count: this.nvis, investment: this.sum};
  }
  // Draw order without a comparator sort: buckets of 2 px of radius (largest first, so that
  // small circles stay on top and clickable), then colour and outline style; one path a bucket.
  Points.prototype._drawOrder = function () {
    var n = this.n, r = this.r, rmax = 0, i, k;
    for (i = 0; i < n; i++) { if (r[i] > rmax) { rmax = r[i]; } }
    this.rmax = rmax;
    var ncol = Math.max(this.palette.length, 1), nb = Math.floor(rmax / 2) + 1, nkeys = nb * ncol * 2;
    var key = new Uint32Array(n), start = new Uint32Array(nkeys + 1);
    for (i = 0; i < n; i++) {
      k = (Math.floor((rmax - r[i]) / 2) * ncol + this.colourCode[i]) * 2 + this.approx[i];
      key[i] = k; start[k + 1]++;
    }
    for (k = 0; k < nkeys; k++) { start[k + 1] += start[k]; }
    var order = this.order = new Uint32Array(n), cursor = new Uint32Array(start.subarray(0, nkeys));
    for (i = 0; i < n; i++) { order[cursor[key[i]]++] = i; }
    var groups = this.groups = [];
    for (k = 0; k < nkeys; k++) {
      if (start[k + 1] > start[k]) {
        var first = order[start[k]];
        groups.push({start: start[k], end: start[k + 1], colour: this.palette[this.colourCode[first]], approx: this.approx[first]});
      }
    }
  };
  Points.prototype._totals = function () {
    var n = this.n, mask = this.mask, amt = this.amt, count = 0, sum = 0, low = 0, any = 0;
    for (var i = 0; i < n; i++) {
      if (!mask[i]) { continue; }
      count++;
      var a = amt[i];
      if (a === a) { sum += a; any++; if (this.low[i]) { low++; } }
    }
    this.nvis = count; this.sum = this.rounded(sum); this.lowvis = low; this.anyAmount = any;
    for (var s = 0; s < this.stacks.length; s++) {
      var ids = this.stacks[s].ids, v = 0;
      for (var k = 0; k < ids.length; k++) { v += mask[ids[k]]; }
      this.stacks[s].visible = v;
    }
  };
  function codesOf(wanted, lists) {
    // indices whose entry in any of the lists equals one of the wanted values (text or number)
    var out = {}, w = {};
    for (var i = 0; i < wanted.length; i++) { w[String(wanted[i])] = true; }
    lists.forEach(function (list) {
      for (var j = 0; j < list.length; j++) { if (w[String(list[j])]) { out[j] = true; } }
    });
    return out;
  }
  function num(v) { return (v === null || v === undefined || v === "" || isNaN(+v)) ? null : +v; }
  // The filter: which projects are shown. Absent keys do not restrict; an industry or district
  // list keeps only those (an empty list keeps none).
  Points.prototype.apply = function (q) {
    q = q || {};
    var n = this.n, mask = this.mask, i;
    var ind = q.industry ? codesOf(q.industry, [this.industryNames, this.industryLabels]) : null;
    var dis = q.district ? codesOf(q.district, [this.adcodes, this.districtNames, this.districtNamesOther]) : null;
    var y0 = q.year ? num(q.year[0]) : null, y1 = q.year ? num(q.year[1]) : null;
    var a0 = num(q.min_investment), a1 = num(q.max_investment);
    var text = q.text ? String(q.text).replace(/^\s+|\s+$/g, "").toLowerCase() : "";
    // townships (乡镇街道) by name: each distinct name tested once
    var twHit = null, twCol = this.cols.township;
    if (q.township) {
      var wanted = {};
      [].concat(q.township).forEach(function (t) { wanted[String(t)] = 1; });
      if (!twCol) { twHit = function () { return false; }; }  // no township column: none matches
      else if (twCol.dict) {
        var twOk = twCol.dict.map(function (v) { return wanted[String(v)] === 1; });
        twHit = function (i) { return twOk[twCol.code(i)]; };
      } else { twHit = function (i) { return wanted[String(twCol.get(i))] === 1; }; }
    }
    var indOk = null, disOk = null, k;
    if (ind) { indOk = new Uint8Array(this.palette.length + 1); for (k in ind) { indOk[k] = 1; } }
    if (dis) { disOk = new Uint8Array(this.adcodes.length + 1); for (k in dis) { disOk[k] = 1; } }
    var nameCol = this.cols[this.spec.title], compCol = this.cols.company, fold = /[a-z]/.test(text);
    var match = null;
    if (text) {
      // company names repeat: test each distinct one once
      var compHit = null;
      if (compCol && compCol.dict) {
        compHit = new Uint8Array(compCol.dict.length);
        for (k = 0; k < compCol.dict.length; k++) {
          compHit[k] = (fold ? String(compCol.dict[k]).toLowerCase() : String(compCol.dict[k])).indexOf(text) >= 0 ? 1 : 0;
        }
      }
      match = function (i) {
        var name = nameCol.get(i);
        if ((fold ? name.toLowerCase() : name).indexOf(text) >= 0) { return true; }
        if (compHit) { return compHit[compCol.code(i)] === 1; }
        var company = compCol ? compCol.get(i) : "";
        return (fold ? company.toLowerCase() : company).indexOf(text) >= 0;
      };
    }
    var year = this.year, amt = this.amt, cc = this.colourCode, dist = this.dist;
    for (i = 0; i < n; i++) {
      var ok = 1;
      if (indOk && !indOk[cc[i]]) { ok = 0; }
      else if (disOk && !disOk[dist[i]]) { ok = 0; }
      else if ((y0 !== null && !(year[i] && year[i] >= y0)) || (y1 !== null && !(year[i] && year[i] <= y1))) { ok = 0; }
      else if ((a0 !== null && !(amt[i] >= a0)) || (a1 !== null && !(amt[i] <= a1))) { ok = 0; }
      else if (match && !match(i)) { ok = 0; }
      else if (twHit && !twHit(i)) { ok = 0; }
      mask[i] = ok;
    }
    this._totals();
  };
  Points.prototype.title = function (i) { return this.cols[this.spec.title].get(i); };
  Points.prototype.card = function (i) {
    var rows = [], fields = this.spec.fields;
    for (var k = 0; k < fields.length; k++) { rows.push([fields[k][0], this.cols[fields[k][1]].get(i)]); }
    return sx.card(this.title(i), rows, "sx-popup");
  };
  // A sum of amounts rounded to the precision of the data (no 1435157.9000000057), and to at most
  // 15 significant digits (what a double holds).
  Points.prototype.rounded = function (sum) {
    var whole = Math.abs(sum) >= 1 ? Math.floor(Math.log10(Math.abs(sum))) + 1 : 0;
    return Number(sum.toFixed(Math.max(0, Math.min(this.decimals, 15 - whole))));
  };
  Points.prototype.sumText = function (ids) {
    var sum = 0, low = false, known = 0;
    for (var k = 0; k < ids.length; k++) { var a = this.amt[ids[k]]; if (a === a) { sum += a; known++; if (this.low[ids[k]]) { low = true; } } }
    return sx.amountText(this.spec.texts || {}, ids.length, known, this.rounded(sum), low);
  };
  Points.prototype.cards = function (ids, zoomTo) {
    var box = el("div", "sx-cards"), limit = this.spec.limit || 10, T = this.spec.texts || {};
    if (ids.length > 1 && T.here) {
      box.appendChild(el("div", "sx-summary", T.here.replace("{n}", sx.fmt(ids.length)).replace("{a}", this.sumText(ids))));
    }
    if (zoomTo) {
      var zoom = el("button", "sx-zoom", T.zoom_in || "+");
      zoom.type = "button";
      L.DomEvent.on(zoom, "click", function () { zoomTo(); });
      box.appendChild(zoom);
    }
    for (var k = 0; k < ids.length && k < limit; k++) { box.appendChild(this.card(ids[k])); }
    if (ids.length > limit) { box.appendChild(el("div", "sx-more", this.spec.more.replace("{n}", sx.fmt(ids.length - limit)))); }
    return box;
  };
  Points.prototype.style = function (i) {
    var colour = this.palette[this.colourCode[i]];
    if (this.approx[i]) {
      return {color: colour, weight: 1.5, dashArray: "3,3", fillColor: colour, fillOpacity: 0.2, opacity: 0.95};
    }
    return {color: "#ffffff", weight: 1, fillColor: colour, fillOpacity: 0.8, opacity: 0.9};
  };
  // The first `limit` of the visible ids (or of `ids`) in an order: a bounded insertion, no sort
  // of the whole set (a million projects sort in ~1 s; this takes ~20 ms).
  Points.prototype.top = function (by, limit, ids) {
    var self = this, amt = this.amt, year = this.year, best = [], n = ids ? ids.length : this.n;
    var title = this.cols[this.spec.title];
    var before = {
      amount: function (a, b) { var x = amt[a] === amt[a] ? amt[a] : -Infinity, y = amt[b] === amt[b] ? amt[b] : -Infinity; return x > y || (x === y && a < b); },
      name: function (a, b) { var x = title.get(a), y = title.get(b); return x < y || (x === y && a < b); },
      year: function (a, b) { return year[a] > year[b] || (year[a] === year[b] && (amt[a] > amt[b] || (!(amt[a] < amt[b]) && a < b))); }
    }[by] || null;
    for (var k = 0; k < n; k++) {
      var i = ids ? ids[k] : k;
      if (!self.mask[i]) { continue; }
      if (best.length === limit && !before(i, best[limit - 1])) { continue; }
      var j = best.length < limit ? best.length : limit - 1;
      while (j > 0 && before(i, best[j - 1])) { best[j] = best[j - 1]; j--; }
      best[j] = i;
    }
    return best;
  };
  Points.prototype.visibleIds = function (ids) {
    var out = [];
    for (var k = 0; k < ids.length; k++) { if (this.mask[ids[k]]) { out.push(ids[k]); } }
    return out;
  };
  // The popup of a count marker: how many, their total, and the list (largest first) where a
  // click shows the project's card.
  Points.prototype.stackList = function (s, popup) {
    var self = this, stack = this.stacks[s], T = this.spec.texts || {}, box = el("div", "sx-cards sx-stack-list");
    var ids = this.top("amount", 200, stack.ids), vis = stack.visible;
    box.appendChild(el("div", "sx-summary", (T.stack || "{n}").replace("{n}", sx.fmt(vis)).replace("{a}", this.sumText(this.visibleIds(stack.ids)))));
    var list = el("ul", "sx-list");
    ids.forEach(function (i) {
      var li = el("li"), button = el("button", null, self.title(i));
      button.type = "button";
      var a = self.amt[i];
      if (a === a) { button.appendChild(el("span", "sx-list-amount", (self.low[i] ? "≥" : "") + sx.fmt(a))); }
      L.DomEvent.on(button, "click", function (e) { L.DomEvent.stop(e); popup.setContent(self.stackCard(s, i, popup)); });
      li.appendChild(button);
      list.appendChild(li);
    });
    box.appendChild(list);
    if (vis > ids.length) { box.appendChild(el("div", "sx-more", this.spec.more.replace("{n}", sx.fmt(vis - ids.length)))); }
    return box;
  };
  Points.prototype.stackCard = function (s, i, popup) {
    var self = this, box = el("div", "sx-cards"), back = el("button", "sx-back", (this.spec.texts || {}).back || "←");
    back.type = "button";
    L.DomEvent.on(back, "click", function (e) { L.DomEvent.stop(e); popup.setContent(self.stackList(s, popup)); });
    box.appendChild(back);
    box.appendChild(this.card(i));
    return box;
  };

  // An SVG circle marker drawn a few pixels away from its position (a spread group).
  var SxCircle = L.CircleMarker.extend({
    _project: function () {
      this._point = this._map.latLngToLayerPoint(this._latlng);
      if (this.options.sxOffset) { this._point = this._point.add(this.options.sxOffset); }
      this._updateBounds();
    }
  });

  function stackDiameter(n) { return Math.round(26 + 6 * Math.log(Math.max(n, 1)) / Math.LN10); }

  // A compressed spec (many projects): its blob is opened by the browser's DecompressionStream;
  // the layer fills in when done, and sxmap.ready waits for it.
  sx.pending = 0;
  sx.waiting = [];
  // Base-85 text (digits: printable ASCII without " & ' < > \ ` {) back to bytes.
  var B85 = (function () {
    var digits = [];
    for (var c = 0x21; c < 0x7f && digits.length < 85; c++) { if ("\"&'<>\\`{".indexOf(String.fromCharCode(c)) < 0) { digits.push(c); } }
    var table = new Uint8Array(128);
    for (var k = 0; k < digits.length; k++) { table[digits[k]] = k; }
    return table;
  })();
  sx.b85 = function (text, size) {
    var n = text.length / 5, out = new Uint8Array(n * 4);
    for (var i = 0, j = 0, q = 0; i < n; i++, q += 5) {
      var v = (((B85[text.charCodeAt(q)] * 85 + B85[text.charCodeAt(q + 1)]) * 85 + B85[text.charCodeAt(q + 2)]) * 85 +
               B85[text.charCodeAt(q + 3)]) * 85 + B85[text.charCodeAt(q + 4)];
      out[j++] = v >>> 24; out[j++] = (v >>> 16) & 255; out[j++] = (v >>> 8) & 255; out[j++] = v & 255;
    }
    return out.subarray(0, size);
  };
  // Bytes regrouped by position (all low bytes, then the next …) back to integers' order.
  function unplane(raw, width) {
    if (width <= 1) { return raw; }
    var n = raw.length / width, out = new Uint8Array(raw.length);
    for (var b = 0; b < width; b++) {
      var plane = raw.subarray(b * n, (b + 1) * n);
      for (var i = 0, j = b; i < n; i++, j += width) { out[j] = plane[i]; }
    }
    return out;
  }
  function inflate(spec) {
    var bytes = sx.b85(spec.z, spec.zbytes);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return new Response(stream).arrayBuffer().then(function (buffer) {
      var text = new TextDecoder();
      spec.zparts.forEach(function (part) {
        var raw = new Uint8Array(buffer, part.at, part.n), to = part.to;
        if (to[0] === "x") { spec.x.c = unplane(raw, to[1]); }
        else if (to[0] === "y") { spec.y.c = raw; }
        else if (to[0] === "packs") { spec.packs[to[1]].c = unplane(raw, to[2]); }
        else if (to[0] === "located") { spec.located.c = raw; }
        else if (to[0] === "plain") { spec.plain[to[1]].v = text.decode(raw).split("\u0000"); }
      });
      delete spec.z;
      return spec;
    });
  }
  sx.points = function (spec) {
    var group = L.layerGroup();
    if (!spec.z) { return fillPoints(group, spec); }
    group.sxPending = true;
    sx.pending++;
    inflate(spec).then(function () {
      fillPoints(group, spec);
      group.sxPending = false;
      group.fire("sxdata");
      sx.pending--;
      if (!sx.pending) { sx.waiting.splice(0).forEach(function (map) { sx.ready(map); }); }
    }, function (error) {
      sx.pending--;
      throw error;
    });
    return group;
  };
  function fillPoints(group, spec) {
    var pts = new Points(spec), circles;
    group.sxPoints = pts;
    if (spec.mode === "canvas") {
      circles = new SxCanvasPoints(pts, {pane: "sxPoints"});
      group.addLayer(circles);
      group.sxCount = pts.n;
    } else {
      circles = L.featureGroup();
      pts.markers = new Array(pts.n);
      for (var k = 0; k < pts.n; k++) {
        var i = pts.order[k];
        if (pts.stack[i] >= 0) { continue; }
        var style = pts.style(i);
        style.radius = pts.r[i];
        style.className = "sx-point" + (pts.approx[i] ? " sx-approx" : "");
        style.pane = "sxPoints";
        if (pts.dx[i] || pts.dy[i]) { style.sxOffset = L.point(pts.dx[i], pts.dy[i]); }
        var marker = new SxCircle([pts.lat[i], pts.lon[i]], style);
        marker.sxIndex = i;
        marker.bindTooltip(el("div", "sx-tip", pts.title(i)), {sticky: true});
        marker.bindPopup((function (i) { return function () { return pts.cards([i]); }; })(i), {maxWidth: 360, maxHeight: 420});
        pts.markers[i] = marker;
        circles.addLayer(marker);
      }
      group.addLayer(circles);
      group.sxCount = circles.getLayers().length;
    }
    // count markers: many projects at one spot (e.g. located only to their district)
    var T = spec.texts || {};
    pts.stacks.forEach(function (s, j) {
      var box = el("div", "sx-stack-mark"), label = el("span", null, sx.fmt(s.ids.length)), d = stackDiameter(s.ids.length);
      box.appendChild(label);
      var marker = L.marker([s.lat, s.lon], {pane: "sxStacks", icon: L.divIcon({className: "sx-stack", html: box, iconSize: [d, d]}),
                                             keyboard: true, title: "", alt: ""});
      marker.bindTooltip(function () { return el("div", "sx-tip", (T.stack_tip || "{n}").replace("{n}", sx.fmt(s.visible))); },
                         {direction: "top", offset: [0, -d / 2]});
      var popup = L.popup({maxWidth: 380, maxHeight: 420, offset: [0, -d / 2 + 7]});
      popup.setContent(function () { return pts.stackList(j, popup); });
      marker.bindPopup(popup);
      s.marker = marker; s.label = label; s.popup = popup;
      group.addLayer(marker);
    });
    group.sxRedraw = function () {
      if (circles instanceof SxCanvasPoints) { if (circles._map) { circles._update(); } }
      else {
        circles.clearLayers();
        for (var k = 0; k < pts.n; k++) { var i = pts.order[k]; if (pts.markers[i] && pts.mask[i]) { circles.addLayer(pts.markers[i]); } }
      }
      pts.stacks.forEach(function (s) {
        s.label.textContent = sx.fmt(s.visible);
        if (s.visible && !group.hasLayer(s.marker)) { group.addLayer(s.marker); }
        if (!s.visible && group.hasLayer(s.marker)) { group.removeLayer(s.marker); }
      });
    };
    // screen circles of what is drawn, for placing labels (a dense canvas leaves no room anyway)
    group.sxObstacles = function (out) {
      var map = group._map;
      if (!map) { return; }
      if (pts.n <= 5000) {
        for (var i = 0; i < pts.n; i++) {
          if (!pts.mask[i] || pts.stack[i] >= 0) { continue; }
          var p = map.latLngToContainerPoint([pts.lat[i], pts.lon[i]]);
          out.push([p.x + pts.dx[i], p.y + pts.dy[i], pts.r[i] + 2]);
        }
      }
      pts.stacks.forEach(function (s) {
        if (!s.visible) { return; }
        var p = map.latLngToContainerPoint([s.lat, s.lon]);
        out.push([p.x, p.y, stackDiameter(s.ids.length) / 2 + 2]);
      });
    };
    // open the popup of project i (after the map has flown there)
    group.sxOpen = function (i) {
      var map = group._map, s = pts.stack[i];
      if (!map) { return; }
      if (s >= 0) {
        var stack = pts.stacks[s];
        stack.marker.openPopup();
        stack.popup.setContent(pts.stackCard(s, i, stack.popup));
      } else if (pts.markers && pts.markers[i] && pts.markers[i]._map) {
        var m = pts.markers[i];
        m.openPopup(map.layerPointToLatLng(m._point));
      } else {
        L.popup({maxWidth: 360, maxHeight: 420, offset: L.point(pts.dx[i], 7 + pts.dy[i])})
          .setLatLng([pts.lat[i], pts.lon[i]]).setContent(pts.cards([i])).openOn(map);
      }
    };
    group.on("add", function (e) { once(sx.ctl(e.target._map).points, group); });
    if (group._map) { once(sx.ctl(group._map).points, group); }
    return group;
  }

  // One canvas for many points, drawn from the typed arrays. Circles when up to DOTS projects
  // are in view; above, one dot of a few pixels each written straight into the image (a million
  // arcs take seconds, a million pixels milliseconds) and a click reports how many projects lie
  // under the cursor, their total, and offers to zoom in.
  var DOTS = 10000;
  var SxCanvasPoints = L.Renderer.extend({
    initialize: function (pts, options) {
      L.Renderer.prototype.initialize.call(this, options);
      this._pts = pts;
      var n = pts.n, px = this._px = new Float64Array(n), py = this._py = new Float64Array(n);
      var d = Math.PI / 180, max = 85.0511287798;
      for (var i = 0; i < n; i++) {
        var la = Math.max(Math.min(max, pts.lat[i]), -max), sin = Math.sin(la * d);
        px[i] = 256 * (pts.lon[i] / 360 + 0.5);
        py[i] = 256 * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI));
      }
      this.sxCount = n;
      var colours = this._colours32 = new Uint32Array(pts.palette.length);
      for (var c = 0; c < pts.palette.length; c++) {
        var hex = pts.palette[c].replace("#", ""), v = parseInt(hex, 16);
        colours[c] = ((255 << 24) | ((v & 255) << 16) | (((v >> 8) & 255) << 8) | ((v >> 16) & 255)) >>> 0;
      }
    },
    onAdd: function (map) {
      L.Renderer.prototype.onAdd.call(this, map);
      this._move = throttled(this._onMapMove);
      map.on("click", this._onMapClick, this);
      map.on("mousemove", this._move, this);
    },
    onRemove: function (map) {
      map.off("click", this._onMapClick, this);
      map.off("mousemove", this._move, this);
      if (this._tip) { map.removeLayer(this._tip); }
      L.Renderer.prototype.onRemove.call(this, map);
    },
    _initContainer: function () {
      this._container = document.createElement("canvas");
      this._container.className = "sx-canvas-points";
      this._ctx = this._container.getContext("2d");
    },
    _destroyContainer: function () {
      L.DomUtil.remove(this._container);
      delete this._ctx;
      delete this._container;
    },
    _update: function () {
      if (this._map._animatingZoom && this._bounds) { return; }
      L.Renderer.prototype._update.call(this);
      var b = this._bounds, c = this._container, size = b.getSize(), m = this._m = L.Browser.retina ? 2 : 1;
      L.DomUtil.setPosition(c, b.min);
      c.width = m * size.x; c.height = m * size.y;
      c.style.width = size.x + "px"; c.style.height = size.y + "px";
      var ctx = this._ctx;
      ctx.setTransform(m, 0, 0, m, 0, 0);
      ctx.translate(-b.min.x, -b.min.y);
      this._draw();
      this.fire("update");
    },
    _view: function () {
      var map = this._map, origin = map.getPixelOrigin();
      return {scale: map.getZoomScale(map.getZoom(), 0), ox: origin.x, oy: origin.y};
    },
    _draw: function () {
      var pts = this._pts, ctx = this._ctx, v = this._view(), b = this._bounds;
      var px = this._px, py = this._py, mask = pts.mask, stack = pts.stack, dx = pts.dx, dy = pts.dy, r = pts.r, order = pts.order;
      var scale = v.scale, ox = v.ox, oy = v.oy, x0 = b.min.x, x1 = b.max.x, y0 = b.min.y, y1 = b.max.y, n = pts.n, i, k, X, Y;
      var inView = 0;
      for (i = 0; i < n; i++) {
        if (!mask[i] || stack[i] >= 0) { continue; }
        X = px[i] * scale - ox + dx[i]; Y = py[i] * scale - oy + dy[i];
        if (X >= x0 && X <= x1 && Y >= y0 && Y <= y1) { inView++; }
      }
      this.dots = inView > DOTS;
      this.inView = inView;
      if (this.dots) {
        var m = this._m, c = this._container, W = c.width, H = c.height, img = ctx.createImageData(W, H);
        var buf = new Uint32Array(img.data.buffer), s = 2 * m, colours = this._colours32, cc = pts.colourCode;
        for (i = 0; i < n; i++) {  // in data order: no colour is always painted last
          if (!mask[i] || stack[i] >= 0) { continue; }
          X = ((px[i] * scale - ox + dx[i] - x0) * m - m) | 0; Y = ((py[i] * scale - oy + dy[i] - y0) * m - m) | 0;
          if (X < 0 || Y < 0 || X + s > W || Y + s > H) { continue; }
          var col = colours[cc[i]], at = Y * W + X;
          for (var a = 0; a < s; a++) { for (var e = 0; e < s; e++) { buf[at + a * W + e] = col; } }
        }
        ctx.putImageData(img, 0, 0);
        this.drawn = true;
        return;
      }
      var TAU = 6.283185307179586, groups = pts.groups;
      for (var g = 0; g < groups.length; g++) {
        var group = groups[g], any = false, stroke = false;
        ctx.beginPath();
        for (k = group.start; k < group.end; k++) {
          i = order[k];
          if (!mask[i] || stack[i] >= 0) { continue; }
          var rad = r[i];
          X = px[i] * scale - ox + dx[i]; Y = py[i] * scale - oy + dy[i];
          if (X + rad < x0 || X - rad > x1 || Y + rad < y0 || Y - rad > y1) { continue; }
          ctx.moveTo(X + rad, Y);
          ctx.arc(X, Y, rad, 0, TAU);
          any = true;
          if (rad >= 4) { stroke = true; }
        }
        if (!any) { continue; }
        if (group.approx) {
          ctx.globalAlpha = 0.2; ctx.fillStyle = group.colour; ctx.fill();
          ctx.setLineDash([3, 3]); ctx.globalAlpha = 0.95; ctx.strokeStyle = group.colour; ctx.lineWidth = 1.5; ctx.stroke();
          ctx.setLineDash([]);
        } else {
          ctx.globalAlpha = 0.8; ctx.fillStyle = group.colour; ctx.fill();
          if (stroke) { ctx.globalAlpha = 0.9; ctx.strokeStyle = "#ffffff"; ctx.lineWidth = 0.8; ctx.stroke(); }
        }
      }
      ctx.globalAlpha = 1;
      this.drawn = true;
    },
    // Every drawn project under a container point, the smallest (top-most) first. A scan of the
    // typed arrays: ~1 ms for 100,000 points.
    hits: function (containerPoint) {
      if (!this.drawn) { return []; }
      var map = this._map, p = map.containerPointToLayerPoint(containerPoint), pts = this._pts, v = this._view();
      var px = this._px, py = this._py, mask = pts.mask, stack = pts.stack, dx = pts.dx, dy = pts.dy, r = pts.r;
      var dots = this.dots, reach = dots ? 5 : pts.rmax + 1.5, out = [];
      for (var i = 0; i < pts.n; i++) {
        if (!mask[i] || stack[i] >= 0) { continue; }
        var ex = px[i] * v.scale - v.ox + dx[i] - p.x;
        if (ex > reach || ex < -reach) { continue; }
        var ey = py[i] * v.scale - v.oy + dy[i] - p.y, rr = dots ? 5 : r[i] + 1.5;
        if (ex * ex + ey * ey <= rr * rr) { out.push(i); }
      }
      if (out.length < 5000) { out.sort(function (a, b) { return (r[a] - r[b]) || (a - b); }); }
      return out;
    },
    _onMapClick: function (e) {
      var ids = this.hits(e.containerPoint), map = this._map, pts = this._pts;
      if (!ids.length) { return; }
      var i = ids[0], zoomTo = null;
      if (this.dots && map.getZoom() < map.getMaxZoom()) {
        zoomTo = function () { map.closePopup(); map.setView(e.latlng, Math.min(map.getZoom() + 3, map.getMaxZoom())); };
      }
      var offset = this.dots ? L.point(0, 7) : L.point(pts.dx[i], 7 + pts.dy[i]);
      L.popup({maxWidth: 360, maxHeight: 420, offset: offset}).setLatLng(this.dots ? e.latlng : [pts.lat[i], pts.lon[i]])
        .setContent(pts.cards(ids, zoomTo)).openOn(map);
    },
    _onMapMove: function (e) {
      if (!this._map) { return; }
      var ids = this.hits(e.containerPoint), container = this._map.getContainer(), pts = this._pts;
      if (ids.length) {
        container.classList.add("sx-pointer");
        var i = ids[0];
        if (!this._tip) { this._tip = L.tooltip({direction: "top", offset: [0, -4]}); }
        this._tip.setLatLng(this.dots ? e.latlng : [pts.lat[i], pts.lon[i]])
          .setContent(el("div", "sx-tip", pts.title(i) + (ids.length > 1 ? " …（" + sx.fmt(ids.length) + "）" : "")));
        if (!this._map.hasLayer(this._tip)) { this._tip.addTo(this._map); }
      } else {
        container.classList.remove("sx-pointer");
        if (this._tip && this._map.hasLayer(this._tip)) { this._map.removeLayer(this._tip); }
      }
    }
  });
  sx.CanvasPoints = SxCanvasPoints;

  // ---------------------------------------------------------------- places (platforms, enclaves)
  sx.places = function (spec) {
    var group = L.featureGroup();
    spec.items.forEach(function (item) {
      var box = el("div", "sx-place-mark");
      box.style.background = item.colour;
      if (item.dashed) {
        // located only approximately: a dashed frame in the colour, a pale fill
        box.style.border = "2px dashed " + item.colour;
        box.style.background = item.colour + "40";
        box.style.boxShadow = "none";
      }
      var marker = L.marker([item.lat, item.lon], {
        icon: L.divIcon({className: "sx-place " + (spec.cls || ""), html: box, iconSize: [spec.size || 14, spec.size || 14]}),
        keyboard: true, title: "", pane: "sxPlaces"
      });
      marker.bindTooltip(function () { return el("div", "sx-tip", item.name); }, {direction: "top", offset: [0, -6]});
      marker.bindPopup(function () { return sx.card(item.name, item.rows, "sx-popup"); }, {maxWidth: 360});
      item.marker = marker;
      group.addLayer(marker);
    });
    group.sxCount = spec.items.length;
    if (spec.edge) {
      group.sxSpec = spec;
      group.on("add", function (e) {
        var map = e.target._map, ctl = sx.ctl(map);
        once(ctl.edges, group);
        if (!ctl.edgeHooked) {
          ctl.edgeHooked = true;
          map.on("moveend zoomend resize layeradd layerremove", throttled(function () { sx.layoutEdges(map); }));
        }
      });
    }
    return group;
  };

  // ---------------------------------------------------------------- township circles
  // One proportional circle per township at its seat (township polygons are not openly
  // available); dashed where the seat is unknown. Names and figures go in with textContent.
  sx.circles = function (spec) {
    var group = L.featureGroup([], {attribution: spec.attribution || null}), entries = [];
    spec.items.forEach(function (item) {
      var marker = L.circleMarker([item.lat, item.lon], {
        radius: item.r, color: item.dashed ? "#555555" : "#7f2704", weight: 1, fillColor: item.colour,
        fillOpacity: 0.5, dashArray: item.dashed ? "3 3" : null, pane: "sxTownships", sxItem: item
      });
      marker.bindTooltip(function () { return el("div", "sx-tip", item.name); }, {direction: "top"});
      marker.bindPopup(function () { return sx.card(item.name, item.rows, "sx-popup"); }, {maxWidth: 360});
      group.addLayer(marker);
      entries.push({marker: marker, item: item, rows: item.rows});
    });
    group.sxCount = spec.items.length;
    group.on("add", function (e) {
      var ctl = sx.ctl(e.target._map);
      once(ctl.townships, group);
      if (ctl.pts && ctl.filtered) { group.refilter(ctl.pts, false); }  // switched on after a filter
    });
    // The projects' filter (combined map): circles of the projects shown, on the legend's scale
    // (spec.top gets spec.rmax); a township with none shown is taken off; all shown: as built.
    group.refilter = function (pts, all) {
      var col = pts.cols.township, T = spec.texts;
      if (!col || !T) { return; }
      var n = {}, sum = {}, low = {}, known = {}, i, t, top = spec.top;
      for (i = 0; !all && i < pts.n; i++) {
        if (!pts.mask[i] || !(t = col.get(i))) { continue; }
        n[t] = (n[t] || 0) + 1;
        if (pts.amt[i] === pts.amt[i]) { sum[t] = (sum[t] || 0) + pts.amt[i]; known[t] = 1; if (pts.low[i]) { low[t] = 1; } }
      }
      var value = function (t) { return spec.kind === "count" ? (n[t] || 0) : (known[t] ? sum[t] : NaN); };
      entries.forEach(function (e) {
        var name = e.item.name, shown = all || n[name] > 0;
        if (!shown) { if (group.hasLayer(e.marker)) { group.removeLayer(e.marker); } return; }
        if (!group.hasLayer(e.marker)) { group.addLayer(e.marker); }
        if (all) { e.marker.setRadius(e.item.r); e.item.rows = e.rows; return; }
        var v = value(name);
        e.marker.setRadius(v === v && top > 0 ? Math.max(spec.rmax * Math.sqrt(v / top), spec.rmin) : spec.rmin);
        e.item.rows = [e.rows[0], [T.count, String(n[name])],
          [T.investment, known[name] ? (low[name] ? "≥" : "") + sx.fmt(sum[name]) + T.unit : T.no_amount], e.rows[3]];
      });
    };
    return group;
  };

  // Enclaves outside the view: an indicator on the map's edge, in their direction, with their
  // name and distance from the city; a click flies there (and one back to the city appears).
  sx.layoutEdges = function (map) {
    var ctl = sx.ctl(map), container = map.getContainer();
    if (!ctl.edgeBox) {
      ctl.edgeBox = el("div", "sx-edges");
      container.appendChild(ctl.edgeBox);
    }
    var box = ctl.edgeBox, bounds = map.getBounds(), entries = [], seen = {}, home = null, T = {};
    while (box.firstChild) { box.removeChild(box.firstChild); }
    ctl.edges.forEach(function (group) {
      if (!map.hasLayer(group)) { return; }
      var spec = group.sxSpec;
      home = spec.edge.home; T = spec.edge.texts;
      spec.items.forEach(function (item) {
        var key = item.host || item.name;
        if (seen[key]) { seen[key].count++; return; }
        seen[key] = {name: key, lat: item.lat, lon: item.lon, item: item, count: 1};
        entries.push(seen[key]);
      });
    });
    if (!home) { return; }
    entries.push({name: home.name, lat: home.lat, lon: home.lon, home: true, count: 0});
    var size = map.getSize(), c = L.point(size.x / 2, size.y / 2), placed = [];
    var inset = {left: 70, right: 70, top: 58, bottom: 26}, origin = container.getBoundingClientRect();
    // the controls, legend and title: indicators keep off them
    Array.prototype.forEach.call(container.querySelectorAll(".leaflet-control, .sx-title"), function (node) {
      var r = node.getBoundingClientRect();
      if (r.width && r.height) { placed.push({l: r.left - origin.left, t: r.top - origin.top, r: r.right - origin.left, b: r.bottom - origin.top}); }
    });
    var homeBounds = home.bounds ? L.latLngBounds(home.bounds) : null;
    entries.forEach(function (entry) {
      var ll = L.latLng(entry.lat, entry.lon);
      if (entry.home ? (homeBounds ? bounds.intersects(homeBounds) : bounds.contains(ll)) : bounds.contains(ll)) { return; }
      var p = map.latLngToContainerPoint(ll), d = p.subtract(c);
      var tx = d.x > 0 ? (size.x - inset.right - c.x) / d.x : d.x < 0 ? (inset.left - c.x) / d.x : Infinity;
      var ty = d.y > 0 ? (size.y - inset.bottom - c.y) / d.y : d.y < 0 ? (inset.top - c.y) / d.y : Infinity;
      var t = Math.min(tx, ty), x0 = c.x + d.x * t, y0 = c.y + d.y * t;
      var km = L.latLng(home.lat, home.lon).distanceTo(ll) / 1000;
      km = km >= 200 ? Math.round(km / 10) * 10 : Math.round(km);
      var button = el("button", "sx-edge" + (entry.home ? " sx-edge-home" : ""));
      button.type = "button";
      var arrow = el("span", "sx-edge-arrow", "➤");
      arrow.style.transform = "rotate(" + (Math.atan2(d.y, d.x) * 180 / Math.PI).toFixed(1) + "deg)";
      button.appendChild(arrow);
      button.appendChild(el("span", "sx-edge-name", entry.name + (entry.count > 1 ? " ×" + entry.count : "")));
      if (!entry.home) { button.appendChild(el("span", "sx-edge-km", (T.km || "{km} km").replace("{km}", sx.fmt(km)))); }
      button.title = ((entry.home ? T.back : T.fly) || "").replace("{name}", entry.name);
      box.appendChild(button);
      // slide along its edge until it covers no control and no other indicator
      var w = button.offsetWidth || 120, h = button.offsetHeight || 22, x = x0, y = y0;
      for (var step = 0; step < 40; step++) {
        var shift = (step % 2 ? -1 : 1) * Math.ceil(step / 2) * 14;
        x = tx <= ty ? x0 : Math.max(w / 2 + 4, Math.min(size.x - w / 2 - 4, x0 + shift));
        y = tx <= ty ? Math.max(h / 2 + 4, Math.min(size.y - h / 2 - 4, y0 + shift)) : y0;
        var free = true;
        for (var q = 0; q < placed.length && free; q++) {
          var o = placed[q];
          if (x - w / 2 < o.r + 3 && o.l - 3 < x + w / 2 && y - h / 2 < o.b + 3 && o.t - 3 < y + h / 2) { free = false; }
        }
        if (free) { break; }
      }
      placed.push({l: x - w / 2, t: y - h / 2, r: x + w / 2, b: y + h / 2});
      button.style.left = Math.round(x) + "px";
      button.style.top = Math.round(y) + "px";
      L.DomEvent.disableClickPropagation(button);
      L.DomEvent.on(button, "click", function () {
        if (entry.home && home.bounds) { map.flyToBounds(home.bounds, {duration: 1}); return; }
        map.once("moveend", function () { if (entry.item && entry.item.marker && entry.item.marker._map) { entry.item.marker.openPopup(); } });
        map.flyTo(ll, Math.max(Math.min(map.getZoom(), 11), 9), {duration: 1});
      });
    });
  };
  // ---------------------------------------------------------------- links (curved, with arrows)
  sx.links = function (spec) {
    var group = L.featureGroup();
    var crs = L.CRS.EPSG3857;
    spec.items.forEach(function (item) {
      var a = crs.latLngToPoint(L.latLng(item.from[0], item.from[1]), 0);
      var b = crs.latLngToPoint(L.latLng(item.to[0], item.to[1]), 0);
      var mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2, dx = b.x - a.x, dy = b.y - a.y;
      var bend = spec.bend === undefined ? 0.18 : spec.bend;
      var c = L.point(mx - dy * bend, my + dx * bend), latlngs = [], steps = 48;
      for (var s = 0; s <= steps; s++) {
        var t = s / steps, u = 1 - t;
        latlngs.push(crs.pointToLatLng(L.point(u * u * a.x + 2 * u * t * c.x + t * t * b.x,
                                               u * u * a.y + 2 * u * t * c.y + t * t * b.y), 0));
      }
      var line = L.polyline(latlngs, {className: "sx-link", color: item.colour, weight: 2.5, opacity: 0.85,
                                      dashArray: item.dashed ? "6,5" : null});
      line.bindTooltip(function () { return el("div", "sx-tip", item.name); }, {sticky: true});
      line.bindPopup(function () { return sx.card(item.name, item.rows, "sx-popup"); }, {maxWidth: 360});
      group.addLayer(line);
      // arrow at 60 % of the way, along the tangent (Mercator keeps angles, so at any zoom)
      var t = 0.6, u = 0.4;
      var tx = 2 * u * (c.x - a.x) + 2 * t * (b.x - c.x), ty = 2 * u * (c.y - a.y) + 2 * t * (b.y - c.y);
      var angle = Math.atan2(ty, tx) * 180 / Math.PI;
      var at = crs.pointToLatLng(L.point(u * u * a.x + 2 * u * t * c.x + t * t * b.x, u * u * a.y + 2 * u * t * c.y + t * t * b.y), 0);
      var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg"), path = document.createElementNS(ns, "path");
      svg.setAttribute("viewBox", "0 0 12 12"); svg.setAttribute("width", "14"); svg.setAttribute("height", "14");
      path.setAttribute("d", "M1,1 L11,6 L1,11 L4,6 z"); path.setAttribute("fill", item.colour);
      svg.appendChild(path);
      svg.style.transform = "rotate(" + angle.toFixed(2) + "deg)";
      group.addLayer(L.marker(at, {icon: L.divIcon({className: "sx-arrow", html: svg, iconSize: [14, 14]}),
                                   interactive: false, keyboard: false}));
    });
    group.sxCount = spec.items.length;
    return group;
  };


  // ---------------------------------------------------------------- legend, title, ready
  function swatch(item) {
    var s = el("span", "sx-swatch sx-swatch-" + item.type);
    if (item.type === "fill") { s.style.background = item.colour; }
    else if (item.type === "hatch") { s.className += " sx-hatch"; }
    else if (item.type === "circle") {
      var d = Math.round(2 * item.r);
      s.style.width = d + "px"; s.style.height = d + "px";
      s.style.background = item.colour || "#888888";
      if (item.dashed) { s.style.border = "1.5px dashed " + (item.stroke || "#555555"); s.style.background = "rgba(120,120,120,0.2)"; }
    } else if (item.type === "line") {
      s.style.borderTop = "3px " + (item.dashed ? "dashed " : "solid ") + item.colour;
    } else if (item.type === "square" || item.type === "diamond") {
      s.style.background = item.colour;
      if (item.dashed) { s.style.border = "2px dashed " + item.colour; s.style.background = item.colour + "40"; s.style.boxShadow = "none"; }
    }
    return s;
  }

  // A legend of collapsible sections (<details>: keyboard-usable) that fits the map's height:
  // when the open sections would not fit, the last ones close; it scrolls only if one section
  // alone is too tall.
  sx.legend = function (map, spec) {
    var control = L.control({position: spec.position || "bottomright"}), parts = [];
    var fit = function () {
      var box = control.getContainer();
      if (!box) { return; }
      var corners = map._controlCorners || {}, other = corners.topright;
      var avail = map.getSize().y - 24 - (other && spec.position !== "topright" ? other.offsetHeight : 0) - 18;
      avail = Math.max(avail, 80);
      box.style.maxHeight = avail + "px";
      parts.forEach(function (p) { if (!p.userSet) { p.el.open = true; } });
      for (var k = parts.length - 1; k > 0 && box.scrollHeight > avail + 1; k--) {
        if (parts[k].el.style.display !== "none" && !parts[k].userSet) { parts[k].el.open = false; }
      }
    };
    control.onAdd = function () {
      var box = el("div", "sx-legend leaflet-control");
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      spec.sections.forEach(function (section) {
        var part = el("details", "sx-legend-section"), entry = {el: part, userSet: false};
        part.open = true;
        part.appendChild(el("summary", "sx-legend-title", section.title || ""));
        section.items.forEach(function (item) {
          var row = el("div", "sx-legend-row" + (item.type === "note" ? " sx-legend-note" : ""));
          if (item.type !== "note") { row.appendChild(swatch(item)); }
          row.appendChild(el("span", "sx-legend-label", item.label));
          part.appendChild(row);
        });
        part.querySelector("summary").addEventListener("click", function () { entry.userSet = true; });
        var layer = section.layer ? window[section.layer] : null;
        if (layer) {
          var toggle = function () { part.style.display = map.hasLayer(layer) ? "" : "none"; };
          map.on("layeradd layerremove", toggle);
          toggle();
        }
        parts.push(entry);
        box.appendChild(part);
      });
      return box;
    };
    control.addTo(map);
    map.on("resize layeradd layerremove", throttled(fit));
    fit();
    setTimeout(fit, 0);
    return control;
  };

  sx.title = function (map, text) {
    var box = el("div", "sx-title", text);
    map.getContainer().appendChild(box);
    L.DomEvent.disableClickPropagation(box);
    return box;
  };

  sx.icons = function (urls) {
    // Leaflet finds its default marker image relative to its script URL, which an inline script
    // does not have: point it at the embedded images instead.
    L.Icon.Default.include({_getIconUrl: L.Icon.prototype._getIconUrl});
    L.Icon.Default.mergeOptions(urls);
  };

  // ---------------------------------------------------------------- the filter panel
  function field(label, input) {
    var row = el("label", "sx-field");
    row.appendChild(el("span", "sx-field-label", label));
    row.appendChild(input);
    return row;
  }
  function numberInput(placeholder, step) {
    var input = el("input");
    input.type = "number"; input.step = step || "any"; input.placeholder = placeholder === null ? "" : String(placeholder);
    return input;
  }
  function checkboxes(title, options) {
    var set = el("fieldset", "sx-checks"), boxes = [];
    set.appendChild(el("legend", null, title));
    options.forEach(function (o) {
      var label = el("label", "sx-check"), box = el("input");
      box.type = "checkbox"; box.checked = true; box.value = String(o.value);
      label.appendChild(box);
      if (o.colour) { var sw = el("span", "sx-dot"); sw.style.background = o.colour; label.appendChild(sw); }
      label.appendChild(el("span", null, o.label));
      set.appendChild(label);
      boxes.push(box);
    });
    return {el: set, boxes: boxes};
  }

  sx.panel = function (map, spec) {
    var ctl = sx.ctl(map), layer = window[spec.points], pts = layer && layer.sxPoints, T = spec.texts;
    if (layer && layer.sxPending) { layer.once("sxdata", function () { sx.panel(map, spec); }); return null; }
    if (!pts) { return null; }
    ctl.layer = layer; ctl.pts = pts; ctl.T = T;
    ctl.districtLayer = spec.districts ? window[spec.districts] : null;
    var control = L.control({position: "topleft"}), ui = {};
    var yearMin = Infinity, yearMax = -Infinity, amtMax = 0;
    for (var i = 0; i < pts.n; i++) {
      var y = pts.year[i];
      if (y) { if (y < yearMin) { yearMin = y; } if (y > yearMax) { yearMax = y; } }
      if (pts.amt[i] > amtMax) { amtMax = pts.amt[i]; }
    }
    control.onAdd = function () {
      var box = el("div", "sx-panel leaflet-control");
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      var head = el("div", "sx-panel-head"), toggle = el("button", "sx-panel-toggle", T.filter);
      toggle.type = "button"; toggle.setAttribute("aria-expanded", "false");
      ui.status = el("div", "sx-status");
      ui.status.setAttribute("aria-live", "polite");
      head.appendChild(toggle); head.appendChild(ui.status);
      box.appendChild(head);
      var body = ui.body = el("div", "sx-panel-body");
      body.hidden = true;
      L.DomEvent.on(toggle, "click", function () {
        body.hidden = !body.hidden;
        toggle.setAttribute("aria-expanded", body.hidden ? "false" : "true");
        box.classList.toggle("sx-open", !body.hidden);
        if (!body.hidden) { renderList(); }
      });
      var industries = [];
      for (var c = 0; c < pts.palette.length; c++) {
        industries.push({value: pts.industryNames[c] !== undefined ? pts.industryNames[c] : c, label: pts.industryLabels[c] || T.none, colour: pts.palette[c]});
      }
      ui.industry = checkboxes(T.industry, industries);
      var districts = [];
      for (c = 0; c < pts.adcodes.length; c++) { districts.push({value: pts.adcodes[c], label: pts.districtNames[c]}); }
      ui.district = checkboxes(T.district, districts);
      var facets = el("div", "sx-facets");
      facets.appendChild(ui.industry.el); facets.appendChild(ui.district.el);
      body.appendChild(facets);
      var ranges = el("div", "sx-ranges");
      ui.year0 = numberInput(yearMin === Infinity ? "" : yearMin, "1"); ui.year1 = numberInput(yearMax === -Infinity ? "" : yearMax, "1");
      ui.amt0 = numberInput(0); ui.amt1 = numberInput(sx.fmt(amtMax).replace(/,/g, ""));
      var yr = el("div", "sx-range"); yr.appendChild(el("span", "sx-field-label", T.year));
      yr.appendChild(field(T.from, ui.year0)); yr.appendChild(field(T.to, ui.year1));
      var am = el("div", "sx-range"); am.appendChild(el("span", "sx-field-label", T.amount));
      am.appendChild(field(T.min, ui.amt0)); am.appendChild(field(T.max, ui.amt1));
      ranges.appendChild(yr); ranges.appendChild(am);
      ui.text = el("input"); ui.text.type = "search"; ui.text.placeholder = T.search_hint;
      ranges.appendChild(field(T.search, ui.text));
      if (pts.cols.township) {  // a list of the townships present, when the data has them
        ui.township = el("select", "sx-township");
        var all = el("option", null, T.all_townships); all.value = ""; ui.township.appendChild(all);
        var seen = {}, names = [];
        for (var t = 0; t < pts.n; t++) { var nm = pts.cols.township.get(t); if (nm && !seen[nm]) { seen[nm] = 1; names.push(nm); } }
        names.sort().forEach(function (nm) { var opt = el("option", null, nm); opt.value = nm; ui.township.appendChild(opt); });
        ranges.appendChild(field(T.township, ui.township));
        L.DomEvent.on(ui.township, "change", function () { fromForm(); });
      }
      var clear = el("button", "sx-clear", T.clear); clear.type = "button";
      ranges.appendChild(clear);
      body.appendChild(ranges);
      var listHead = el("div", "sx-list-head");
      ui.sort = el("select");
      [["amount", T.sort_amount], ["year", T.sort_year], ["name", T.sort_name]].forEach(function (o) {
        var opt = el("option", null, o[1]); opt.value = o[0]; ui.sort.appendChild(opt);
      });
      listHead.appendChild(field(T.sort, ui.sort));
      body.appendChild(listHead);
      ui.list = el("ol", "sx-list");
      body.appendChild(ui.list);
      ui.listNote = el("div", "sx-more");
      body.appendChild(ui.listNote);
      var timer = null, later = function () { clearTimeout(timer); timer = setTimeout(fromForm, 150); };
      [ui.year0, ui.year1, ui.amt0, ui.amt1, ui.text].forEach(function (input) { L.DomEvent.on(input, "input", later); });
      ui.industry.boxes.concat(ui.district.boxes).forEach(function (b) { L.DomEvent.on(b, "change", fromForm); });
      L.DomEvent.on(ui.sort, "change", renderList);
      L.DomEvent.on(clear, "click", function () { ctl.filter({}); });
      box.appendChild(body);
      return box;
    };
    function fromForm() {
      var q = {}, picked;
      picked = ui.industry.boxes.filter(function (b) { return b.checked; });
      if (picked.length < ui.industry.boxes.length) { q.industry = picked.map(function (b) { return b.value; }); }
      picked = ui.district.boxes.filter(function (b) { return b.checked; });
      if (picked.length < ui.district.boxes.length) { q.district = picked.map(function (b) { return b.value; }); }
      if (ui.year0.value !== "" || ui.year1.value !== "") { q.year = [num(ui.year0.value), num(ui.year1.value)]; }
      if (ui.amt0.value !== "") { q.min_investment = num(ui.amt0.value); }
      if (ui.amt1.value !== "") { q.max_investment = num(ui.amt1.value); }
      if (ui.text.value) { q.text = ui.text.value; }
      if (ui.township && ui.township.value) { q.township = [ui.township.value]; }
      ctl.filter(q, true);
    }
    function toForm(q) {
      var inList = function (list, box, names) {
        if (!list) { return true; }
        for (var k = 0; k < list.length; k++) { if (names.indexOf(String(list[k])) >= 0) { return true; } }
        return false;
      };
      ui.industry.boxes.forEach(function (b, c) {
        b.checked = inList(q.industry, b, [b.value, String(pts.industryLabels[c])]);
      });
      ui.district.boxes.forEach(function (b, c) {
        b.checked = inList(q.district, b, [b.value, String(pts.districtNames[c]), String(pts.districtNamesOther[c])]);
      });
      ui.year0.value = q.year && num(q.year[0]) !== null ? num(q.year[0]) : "";
      ui.year1.value = q.year && num(q.year[1]) !== null ? num(q.year[1]) : "";
      ui.amt0.value = num(q.min_investment) !== null ? num(q.min_investment) : "";
      ui.amt1.value = num(q.max_investment) !== null ? num(q.max_investment) : "";
      ui.text.value = q.text || "";
      if (ui.township) { ui.township.value = q.township && [].concat(q.township).length === 1 ? String([].concat(q.township)[0]) : ""; }
    }
    function status() {
      var a = sx.amountText(pts.spec.texts || {}, pts.nvis, pts.anyAmount, pts.sum, pts.lowvis > 0);
      ui.status.textContent = (a ? T.status : T.status_empty).replace("{n}", sx.fmt(pts.nvis)).replace("{m}", sx.fmt(pts.n)).replace("{a}", a);
    }
    function renderList() {
      if (ui.body.hidden) { ui.stale = true; return; }
      ui.stale = false;
      var limit = spec.list || 100, ids = pts.top(ui.sort.value, limit);
      while (ui.list.firstChild) { ui.list.removeChild(ui.list.firstChild); }
      ids.forEach(function (i) {
        var li = el("li"), button = el("button", "sx-item");
        button.type = "button";
        button.appendChild(el("span", "sx-item-name", pts.title(i)));
        var bits = [];
        if (pts.amt[i] === pts.amt[i]) { bits.push((pts.low[i] ? "≥" : "") + sx.fmt(pts.amt[i]) + T.unit); }
        if (pts.year[i]) { bits.push(String(pts.year[i])); }
        button.appendChild(el("span", "sx-item-meta", bits.join(" · ")));
        L.DomEvent.on(button, "click", function () { ctl.show(i); });
        li.appendChild(button);
        ui.list.appendChild(li);
      });
      ui.listNote.textContent = pts.nvis > ids.length ? T.list_more.replace("{k}", sx.fmt(ids.length)).replace("{n}", sx.fmt(pts.nvis)) : "";
    }
    ctl.filter = function (q, fromPanel) {
      q = q || {};
      pts.apply(q);
      layer.sxRedraw();
      var empty = true;
      for (var key in q) { if (Object.prototype.hasOwnProperty.call(q, key) && q[key] !== null && q[key] !== undefined) { empty = false; } }
      if (ctl.districtLayer && ctl.districtLayer.recolour) { ctl.districtLayer.recolour(pts, empty); }
      ctl.filtered = !empty;
      ctl.townships.forEach(function (group) { group.refilter(pts, empty); });
      if (!fromPanel && ui.body) { toForm(q); }
      status();
      renderList();
      sx.layoutLabels(map);
    };
    ctl.show = function (i) {
      var ll = L.latLng(pts.lat[i], pts.lon[i]), zoom = Math.max(map.getZoom(), 13);
      map.closePopup();
      if (map.getZoom() === zoom && map.getCenter().distanceTo(ll) < 1) { layer.sxOpen(i); return; }
      map.once("moveend", function () { layer.sxOpen(i); });
      map.flyTo(ll, zoom, {duration: 0.8});
    };
    control.addTo(map);
    status();
    return control;
  };

  // ---------------------------------------------------------------- ready, and the page API
  // Year on year (--compare): ◀ period ▶ steps through one districts layer per period and the
  // change layer, showing one at a time, with the city totals of the one shown.
  sx.years = function (map, spec) {
    var control = L.control({position: "topleft"}), index = spec.start || 0;
    var layers = spec.steps.map(function (s) { return window[s.layer]; });
    var label, total;
    var show = function (i) {
      index = (i + layers.length) % layers.length;
      layers.forEach(function (layer, k) {
        if (!layer) { return; }
        if (k === index) { if (!map.hasLayer(layer)) { map.addLayer(layer); } }
        else if (map.hasLayer(layer)) { map.removeLayer(layer); }
      });
      label.textContent = spec.steps[index].label;
      total.textContent = spec.steps[index].total;
      control.getContainer().setAttribute("data-step", String(index));
    };
    control.onAdd = function () {
      var box = el("div", "sx-years leaflet-control");
      L.DomEvent.disableClickPropagation(box);
      var prev = el("button", "sx-years-prev", "◀"), next = el("button", "sx-years-next", "▶");
      prev.type = next.type = "button";
      prev.title = spec.texts.prev; next.title = spec.texts.next;
      prev.setAttribute("aria-label", spec.texts.prev); next.setAttribute("aria-label", spec.texts.next);
      label = el("span", "sx-years-label");
      total = el("div", "sx-years-total");
      var row = el("div", "sx-years-row");
      row.appendChild(prev); row.appendChild(label); row.appendChild(next);
      box.appendChild(row); box.appendChild(total);
      prev.addEventListener("click", function () { show(index - 1); });
      next.addEventListener("click", function () { show(index + 1); });
      return box;
    };
    control.addTo(map);
    show(index);
    map.sxYears = {show: show, index: function () { return index; }};
    return control;
  };

  sx.ready = function (map) {
    if (sx.pending) { sx.waiting.push(map); return; }
    var ctl = sx.ctl(map);
    var api = ctl.api = {
      map: map,
      // sxmap.filter({industry: [...], district: [...], township: [...], year: [from, to],
      // min_investment, max_investment, text}) → a Promise resolved once the map is redrawn; {} clears.
      filter: function (q) {
        if (ctl.filter) { ctl.filter(q || {}); }
        var result = api.visible();
        return window.Promise ? new Promise(function (resolve) { setTimeout(function () { resolve(result); }, 0); }) : result;
      },
      // {count: projects shown, total: projects in the map, investment: the total of the known
      //  amounts (亿元, rounded to the data's precision; null when none is known), unknown: how
      //  many shown have no amount, lower_bound: true when it includes lower bounds ("≥")}
      visible: function () {
        var pts = ctl.pts;
        if (!pts) { return {count: 0, total: 0, investment: null, unknown: 0, lower_bound: false}; }
        return {count: pts.nvis, total: pts.n, investment: pts.anyAmount ? pts.sum : null,
                unknown: pts.nvis - pts.anyAmount, lower_bound: pts.lowvis > 0};
      },
      show: function (i) { if (ctl.show) { ctl.show(i); } }
    };
    var container = map.getContainer();
    container.sxmap = api;
    var fragment = container.closest ? container.closest(".sxmap-fragment") : null;
    if (!fragment) { sx.map = map; sx.filter = api.filter; sx.visible = api.visible; sx.show = api.show; }
    sx.layoutLabels(map);
    sx.layoutEdges(map);
    // a legend section opened or closed, the filter panel shown or hidden: the controls changed size
    var relayout = function () { setTimeout(function () { sx.layoutLabels(map); }, 0); };
    container.addEventListener("toggle", relayout, true);
    Array.prototype.forEach.call(container.querySelectorAll(".leaflet-control"), function (control) {
      control.addEventListener("click", relayout);
    });
    sx.readyAt = window.performance ? performance.now() : null;
    window.sxmapReady = true;
    document.documentElement.setAttribute("data-sxmap-ready", "1");
  };
})();
