"""sxmap's own script and style, inlined into every page (see :mod:`maps.offline`).

The script builds every user-visible string into the page with ``textContent`` (never
``innerHTML``), from JSON data written by :func:`maps.offline.js_json`; so names such as
``<img src=x onerror=alert(1)>`` are shown as written and nothing in them runs.

Layers it draws (``window.sxmap``):

``districts(spec)``  district polygons (SVG) with fills, "no data" hatching, hover tooltips, labels;
``points(spec)``     projects: individual SVG circle markers when few (``mode = "rich"``), one canvas
                     layer drawn from compact typed arrays when many (``mode = "canvas"``); popups are
                     built on click from the arrays;
``places(spec)``     platforms and enclave offices as small DivIcon squares/diamonds;
``links(spec)``      curved lines with direction arrows (enclaves ↔ home district);
``outlines(spec)``   plain outlines (the city, places hosting enclaves);
``legend(spec)``, ``title(text)``, ``ready()``.

It is ES5 (no arrow functions, no template strings) so that older intranet browsers run it.
"""

JS = r"""
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

  var TYPES = {u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, i32: Int32Array, f32: Float32Array};
  sx.decode = function (b64, type) {
    var bin = atob(b64), n = bin.length, bytes = new Uint8Array(n);
    for (var i = 0; i < n; i++) { bytes[i] = bin.charCodeAt(i); }
    return new TYPES[type](bytes.buffer);
  };

  // Integer offsets of 3 or 4 bytes, little-endian.
  sx.decodeAxis = function (spec) {
    if (spec.b === 4) { return sx.decode(spec.c, "u32"); }
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
        cols[c.key] = {get: function (i) { return d[code(i)]; }, code: code};
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

  // ---------------------------------------------------------------- districts
  sx.districts = function (spec) {
    sx.ensureHatch();
    var group = L.featureGroup();
    var polygons = L.geoJSON(spec.geojson, {
      style: function (f) {
        var p = f.properties;
        return {className: "sx-district", color: spec.line || "#555555", weight: spec.weight || 1.2,
                fillColor: p.fill || "url(#sx-nodata)", fillOpacity: p.fill ? (spec.opacity || 0.75) : 1};
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        layer.bindTooltip(function () { return sx.card(p.name, p.rows, "sx-tip"); }, {sticky: true});
        layer.on("mouseover", function () { layer.setStyle({weight: (spec.weight || 1.2) * 2.5}); });
        layer.on("mouseout", function () { layer.setStyle({weight: spec.weight || 1.2}); });
      }
    });
    group.addLayer(polygons);
    group.on("add", function (e) {
      var map = e.target._map;
      var update = function () { map.getContainer().classList.toggle("sx-small", map.getZoom() < (spec.labelZoom || 8)); };
      map.on("zoomend", update);
      update();
    });
    if (spec.labels) {
      for (var i = 0; i < spec.labels.length; i++) {
        var lab = spec.labels[i];
        var span = el("span", null, lab.text);
        group.addLayer(L.marker([lab.lat, lab.lon], {
          icon: L.divIcon({className: "sx-label", html: span, iconSize: [0, 0]}),
          interactive: false, keyboard: false
        }));
      }
    }
    return group;
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
  function Points(spec) {
    var n = this.n = spec.n, i;
    var x = sx.decodeAxis(spec.x), y = sx.decodeAxis(spec.y);
    var lon = this.lon = new Float64Array(n), lat = this.lat = new Float64Array(n);
    for (i = 0; i < n; i++) { lon[i] = spec.x0 + x[i] * spec.q; lat[i] = spec.y0 + y[i] * spec.q; }
    var cols = this.cols = sx.columns(spec.plain, spec.packs);
    var size = cols[spec.size.key], values = spec.size.values;
    var r = this.r = new Float32Array(n);
    for (i = 0; i < n; i++) {
      var v = values[size.code(i)], rad = (v !== null && v > 0) ? spec.scale * Math.sqrt(v) : 0;
      r[i] = rad < spec.rmin ? spec.rmin : rad;
    }
    var approx = this.approx = new Uint8Array(n), prec = cols[spec.approx.key], flags = spec.approx.flags;
    var colourCode = this.colourCode = new Uint16Array(n), ind = cols[spec.colour.key];
    for (i = 0; i < n; i++) { approx[i] = flags[prec.code(i)]; colourCode[i] = ind.code(i); }
    this.palette = spec.colour.palette;
    // draw order: largest first, so that small circles stay on top (and clickable)
    var order = this.order = new Uint32Array(n);
    for (i = 0; i < n; i++) { order[i] = i; }
    order.sort(function (a, b) { return (r[b] - r[a]) || (a - b); });
    this.spec = spec;
  }
  Points.prototype.title = function (i) { return this.cols[this.spec.title].get(i); };
  Points.prototype.card = function (i) {
    var rows = [], fields = this.spec.fields;
    for (var k = 0; k < fields.length; k++) { rows.push([fields[k][0], this.cols[fields[k][1]].get(i)]); }
    return sx.card(this.title(i), rows, "sx-popup");
  };
  Points.prototype.cards = function (ids) {
    var box = el("div", "sx-cards"), limit = this.spec.limit || 10;
    for (var k = 0; k < ids.length && k < limit; k++) { box.appendChild(this.card(ids[k])); }
    if (ids.length > limit) { box.appendChild(el("div", "sx-more", this.spec.more.replace("{n}", String(ids.length - limit)))); }
    return box;
  };
  Points.prototype.style = function (i) {
    var colour = this.palette[this.colourCode[i]];
    if (this.approx[i]) {
      return {color: colour, weight: 1.5, dashArray: "3,3", fillColor: colour, fillOpacity: 0.2, opacity: 0.95};
    }
    return {color: "#ffffff", weight: 1, fillColor: colour, fillOpacity: 0.8, opacity: 0.9};
  };
  // Groups of identical circles (same place, same size): one marker, one popup listing all.
  Points.prototype.groups = function () {
    var seen = {}, groups = [];
    for (var k = 0; k < this.n; k++) {
      var i = this.order[k], key = this.lon[i] + "," + this.lat[i] + "," + this.r[i] + "," + this.approx[i] + "," + this.colourCode[i];
      if (seen[key] === undefined) { seen[key] = groups.length; groups.push([i]); } else { groups[seen[key]].push(i); }
    }
    return groups;
  };

  sx.points = function (spec) {
    var pts = new Points(spec);
    if (spec.mode === "canvas") { return new SxCanvasPoints(pts, {pane: spec.pane || "sxPoints"}); }
    var group = L.featureGroup(), groups = pts.groups();
    groups.forEach(function (ids) {
      var i = ids[0], style = pts.style(i);
      style.radius = pts.r[i];
      style.className = "sx-point" + (pts.approx[i] ? " sx-approx" : "");
      var marker = L.circleMarker([pts.lat[i], pts.lon[i]], style);
      marker.bindTooltip(function () {
        var names = el("div", "sx-tip");
        for (var k = 0; k < ids.length && k < 5; k++) { names.appendChild(el("div", null, pts.title(ids[k]))); }
        if (ids.length > 5) { names.appendChild(el("div", "sx-more", spec.more.replace("{n}", String(ids.length - 5)))); }
        return names;
      });
      marker.bindPopup(function () { return pts.cards(ids); }, {maxWidth: 360, maxHeight: 420});
      group.addLayer(marker);
    });
    group.sxCount = groups.length;
    return group;
  };

  // One canvas for many points: drawn from typed arrays, hit-tested on a grid of screen cells.
  var SxCanvasPoints = L.Renderer.extend({
    initialize: function (pts, options) {
      L.Renderer.prototype.initialize.call(this, options);
      this._pts = pts;
      var n = pts.n, px = this._px = new Float64Array(n), py = this._py = new Float64Array(n);
      var R = 6378137, d = Math.PI / 180, max = 85.0511287798, s = 0.5 / (Math.PI * R);
      for (var i = 0; i < n; i++) {
        var la = Math.max(Math.min(max, pts.lat[i]), -max), sin = Math.sin(la * d);
        px[i] = 256 * (s * R * pts.lon[i] * d + 0.5);
        py[i] = 256 * (-s * R * Math.log((1 + sin) / (1 - sin)) / 2 + 0.5);
      }
      this.sxCount = n;
      this._rmax = 0;
      for (i = 0; i < n; i++) { if (pts.r[i] > this._rmax) { this._rmax = pts.r[i]; } }
    },
    onAdd: function (map) {
      if (!map.getPane(this.options.pane)) {
        var pane = map.createPane(this.options.pane);
        pane.style.zIndex = 450;
        pane.style.pointerEvents = "none";
      }
      L.Renderer.prototype.onAdd.call(this, map);
      map.on("click", this._onMapClick, this);
      map.on("mousemove", this._onMapMove, this);
    },
    onRemove: function (map) {
      map.off("click", this._onMapClick, this);
      map.off("mousemove", this._onMapMove, this);
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
      var b = this._bounds, c = this._container, size = b.getSize(), m = L.Browser.retina ? 2 : 1;
      L.DomUtil.setPosition(c, b.min);
      c.width = m * size.x; c.height = m * size.y;
      c.style.width = size.x + "px"; c.style.height = size.y + "px";
      var ctx = this._ctx;
      ctx.setTransform(m, 0, 0, m, 0, 0);
      ctx.translate(-b.min.x, -b.min.y);
      this._draw();
      this.fire("update");
    },
    // Draw groups of circles of one style in one path each, largest circles first (so that
    // small ones stay visible on top): a few hundred fills instead of one per point.
    _styleGroups: function () {
      var pts = this._pts, n = pts.n, rmax = this._rmax, groups = {}, keys = [], k, i;
      for (k = 0; k < n; k++) {
        i = pts.order[k];
        var bucket = Math.floor((rmax - pts.r[i]) / 2), key = bucket * 100000 + pts.colourCode[i] * 2 + pts.approx[i];
        if (!groups[key]) { groups[key] = []; keys.push(key); }
        groups[key].push(i);
      }
      keys.sort(function (a, b) { return a - b; });
      return keys.map(function (key) {
        var ids = groups[key], first = ids[0];
        return {ids: new Uint32Array(ids), colour: pts.palette[pts.colourCode[first]], approx: pts.approx[first]};
      });
    },
    _draw: function () {
      var pts = this._pts, ctx = this._ctx, map = this._map, scale = map.getZoomScale(map.getZoom(), 0);
      var origin = map.getPixelOrigin(), b = this._bounds, px = this._px, py = this._py, TAU = 6.283185307179586;
      var x0 = b.min.x, x1 = b.max.x, y0 = b.min.y, y1 = b.max.y;
      if (!this._groups) { this._groups = this._styleGroups(); }
      for (var g = 0; g < this._groups.length; g++) {
        var group = this._groups[g], ids = group.ids, any = false, stroke = false;
        ctx.beginPath();
        for (var k = 0; k < ids.length; k++) {
          var i = ids[k], r = pts.r[i], X = px[i] * scale - origin.x, Y = py[i] * scale - origin.y;
          if (X + r < x0 || X - r > x1 || Y + r < y0 || Y - r > y1) { continue; }
          ctx.moveTo(X + r, Y);
          ctx.arc(X, Y, r, 0, TAU);
          any = true;
          if (r >= 4) { stroke = true; }
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
    // The circles under a container point: the top-most (smallest) one and identical ones with it.
    // A scan of the typed arrays: ~1 ms for 100,000 points.
    hits: function (containerPoint) {
      if (!this.drawn) { return []; }
      var map = this._map, p = map.containerPointToLayerPoint(containerPoint), pts = this._pts;
      var scale = map.getZoomScale(map.getZoom(), 0), origin = map.getPixelOrigin(), px = this._px, py = this._py;
      var best = -1, out = [], reach = this._rmax + 1.5;
      for (var i = 0; i < pts.n; i++) {
        var dx = px[i] * scale - origin.x - p.x;
        if (dx > reach || dx < -reach) { continue; }
        var dy = py[i] * scale - origin.y - p.y, r = pts.r[i] + 1.5;
        if (dx * dx + dy * dy <= r * r) { out.push(i); if (best < 0 || pts.r[i] < pts.r[best]) { best = i; } }
      }
      if (best < 0) { return []; }
      return out.filter(function (i) {
        return pts.r[i] === pts.r[best] && pts.lon[i] === pts.lon[best] && pts.lat[i] === pts.lat[best];
      });
    },
    _onMapClick: function (e) {
      var ids = this.hits(e.containerPoint);
      if (!ids.length) { return; }
      var i = ids[0];
      L.popup({maxWidth: 360, maxHeight: 420}).setLatLng([this._pts.lat[i], this._pts.lon[i]])
        .setContent(this._pts.cards(ids)).openOn(this._map);
    },
    _onMapMove: function (e) {
      var ids = this.hits(e.containerPoint), container = this._map.getContainer();
      if (ids.length) {
        container.classList.add("sx-pointer");
        var i = ids[0];
        if (!this._tip) { this._tip = L.tooltip({direction: "top", offset: [0, -4]}); }
        this._tip.setLatLng([this._pts.lat[i], this._pts.lon[i]]).setContent(el("div", "sx-tip", this._pts.title(i) + (ids.length > 1 ? " …" : "")));
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
        keyboard: true, title: ""
      });
      marker.bindTooltip(function () { return el("div", "sx-tip", item.name); }, {direction: "top", offset: [0, -6]});
      marker.bindPopup(function () { return sx.card(item.name, item.rows, "sx-popup"); }, {maxWidth: 360});
      group.addLayer(marker);
    });
    group.sxCount = spec.items.length;
    return group;
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

  sx.legend = function (map, spec) {
    var control = L.control({position: spec.position || "bottomright"});
    control.onAdd = function () {
      var box = el("div", "sx-legend leaflet-control");
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      spec.sections.forEach(function (section) {
        var part = el("div", "sx-legend-section");
        if (section.title) { part.appendChild(el("div", "sx-legend-title", section.title)); }
        section.items.forEach(function (item) {
          var row = el("div", "sx-legend-row" + (item.type === "note" ? " sx-legend-note" : ""));
          if (item.type !== "note") { row.appendChild(swatch(item)); }
          row.appendChild(el("span", "sx-legend-label", item.label));
          part.appendChild(row);
        });
        var layer = section.layer ? window[section.layer] : null;
        if (layer) {
          var toggle = function () { part.style.display = map.hasLayer(layer) ? "" : "none"; };
          map.on("layeradd layerremove", toggle);
          toggle();
        }
        box.appendChild(part);
      });
      return box;
    };
    control.addTo(map);
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

  sx.ready = function (map) {
    sx.map = map;
    sx.readyAt = window.performance ? performance.now() : null;
    window.sxmapReady = true;
    document.documentElement.setAttribute("data-sxmap-ready", "1");
  };
})();
"""

CSS = r"""
.sx-notiles.leaflet-container { background: #ffffff; }
.leaflet-container .sx-card { font: 13px/1.45 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", system-ui, sans-serif; }
.sx-popup { min-width: 220px; }
.sx-card-title { font-weight: 600; margin-bottom: 3px; max-width: 330px; white-space: normal; }
.sx-card table { border-collapse: collapse; }
.sx-card th { text-align: left; font-weight: normal; color: #666; padding: 1px 8px 1px 0; white-space: nowrap; vertical-align: top; }
.sx-card td { padding: 1px 0; white-space: normal; }
.sx-cards .sx-card + .sx-card { border-top: 1px solid #ddd; margin-top: 6px; padding-top: 6px; }
.sx-more { color: #666; font-style: italic; margin-top: 4px; }
.sx-tip { font-size: 12px; }
.sx-label span { position: absolute; transform: translate(-50%, 9px); white-space: nowrap;
  font: 600 13px/1.2 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", system-ui, sans-serif; color: #222;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; pointer-events: none; }
.sx-small .sx-label { display: none; }
.sx-place-mark { width: 100%; height: 100%; box-sizing: border-box; border: 2px solid #ffffff;
  box-shadow: 0 0 0 1px #333; }
.sx-enclave-in .sx-place-mark { transform: rotate(45deg); }
.sx-arrow svg { display: block; }
.sx-legend { background: rgba(255,255,255,0.93); padding: 6px 9px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.35);
  font: 12px/1.4 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", system-ui, sans-serif; max-height: 60vh; overflow-y: auto; max-width: 280px; }
.sx-legend-section + .sx-legend-section { margin-top: 6px; }
.sx-legend-title { font-weight: 600; margin-bottom: 2px; }
.sx-legend-row { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
.sx-legend-note { color: #555; font-size: 11px; }
.sx-swatch { display: inline-block; flex: none; width: 16px; height: 12px; box-sizing: border-box; }
.sx-swatch-fill, .sx-swatch-hatch { border: 1px solid #777; }
.sx-hatch { background: repeating-linear-gradient(45deg, #f2f2f2 0 3px, #bdbdbd 3px 5px); }
.sx-swatch-circle { border-radius: 50%; border: 1px solid #fff; box-shadow: 0 0 0 1px #999; }
.sx-swatch-line { height: 0; width: 22px; }
.sx-swatch-square { width: 12px; height: 12px; border: 2px solid #fff; box-shadow: 0 0 0 1px #333; }
.sx-swatch-diamond { width: 11px; height: 11px; border: 2px solid #fff; box-shadow: 0 0 0 1px #333; transform: rotate(45deg); margin: 0 2px; }
.sx-title { position: absolute; z-index: 1000; top: 10px; left: 50%; transform: translateX(-50%);
  background: rgba(255,255,255,0.92); padding: 5px 14px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3);
  font: 600 16px/1.3 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", system-ui, sans-serif; max-width: 70%; text-align: center; }
.leaflet-container.sx-pointer { cursor: pointer; }
"""
