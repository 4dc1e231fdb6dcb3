// The fmgraph explorer: draws the graph embedded in the page with vis-network.
// Every text from the data reaches the page through textContent, never through markup.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("fmgraph-data").textContent);

  // ---- Names: a port of fmgraph.names.normalize ------------------------------------------
  // Python: NFKD(casefold(text)), drop combining marks, keep letters and digits. JavaScript
  // has no casefold; toLowerCase differs from it only on the characters below, and folding
  // them between an NFD and an NFKD pass gives the same result as Python's order.
  const FOLD = {
    "ß": "ss", "ς": "σ", "\u0345": "ι", "\u1c80": "в", "\u1c81": "д", "\u1c82": "о",
    "\u1c83": "с", "\u1c84": "т", "\u1c85": "т", "\u1c86": "ъ", "\u1c87": "ѣ", "\u1c88": "ꙋ",
  };
  function fold(c) {
    const cp = c.codePointAt(0);
    if (cp >= 0xab70 && cp <= 0xabbf) return String.fromCodePoint(cp - 0xab70 + 0x13a0);
    if (cp >= 0x13f8 && cp <= 0x13fd) return String.fromCodePoint(cp - 8);
    return FOLD[c];
  }
  function normalize(text) {
    return String(text).toLowerCase().normalize("NFD")
      .replace(/[ßς\u0345\u1c80-\u1c88\u13f8-\u13fd\uab70-\uabbf]/gu, fold)
      .normalize("NFKD")
      .replace(/[^\p{L}\p{N}]+/gu, "");
  }

  // ---- DOM helpers ---------------------------------------------------------------------------
  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // Only http(s) URLs become links; anything else (javascript:, data:, …) stays text.
  function safeHref(url) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch (e) {
      return null;
    }
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  }

  function card(info) {
    const root = el("div", "card");
    root.append(el("div", "card-kind", info.kind), el("div", "card-title", info.title));
    if (info.rows.length) {
      const dl = el("dl");
      for (const [key, value] of info.rows) dl.append(el("dt", null, key), el("dd", null, value));
      root.append(dl);
    }
    if (info.text) root.append(el("p", "card-text", info.text));
    if (info.links.length) {
      const ul = el("ul", "card-links");
      for (const [text, url] of info.links) {
        const li = el("li");
        const href = safeHref(url);
        if (href) {
          const a = el("a", null, text);
          a.href = href;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          li.append(a);
        } else {
          li.append(el("span", "not-a-link", text));
        }
        ul.append(li);
      }
      root.append(ul);
    }
    return root;
  }

  // ---- Graph data ----------------------------------------------------------------------------
  const kinds = data.kinds;
  const relations = data.relations;
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const labelOf = (id) => (byId.has(id) ? byId.get(id).info.title : id);
  const relationStyle = (r) =>
    relations[r] || { label: r, inverse: r, color: "#999999", dashes: false, width: 1 };

  function nodeColor(kind) {
    const s = kinds[kind] || { color: "#BBBBBB", border: "#777777" };
    const c = { background: s.color, border: s.border };
    return { ...c, highlight: { background: s.color, border: "#000000" }, hover: c };
  }
  function edgeColor(relation) {
    const c = relationStyle(relation).color;
    return { color: c, highlight: c, hover: c, inherit: false };
  }

  function edgeCard(e) {
    const rows = [["From", labelOf(e.from)], ["To", labelOf(e.to)]];
    if (e.position !== undefined) rows.push(["Position", String(e.position)]);
    const style = relationStyle(e.relation);
    return card({ kind: "Link", title: style.label, rows: rows, text: e.reason || "", links: [] });
  }

  const nodes = new vis.DataSet(
    data.nodes.map((n) => {
      const s = kinds[n.kind] || { shape: "dot" };
      const item = {
        id: n.id, label: n.label, title: card(n.info), shape: s.shape, size: n.size,
        color: nodeColor(n.kind),
      };
      if (n.level !== undefined) item.level = n.level;
      if (n.x !== undefined) Object.assign(item, { x: n.x, y: n.y, fixed: true });
      return item;
    }),
  );
  const edges = new vis.DataSet(
    data.edges.map((e) => {
      const s = relationStyle(e.relation);
      return {
        id: e.id, from: e.from, to: e.to, label: s.label, title: edgeCard(e),
        color: edgeColor(e.relation), dashes: s.dashes, width: s.width,
      };
    }),
  );
  const relationOf = new Map(data.edges.map((e) => [e.id, e.relation]));
  // requires: dependent -> prerequisite
  const prerequisitesOf = new Map();
  for (const e of data.edges) {
    if (e.relation !== "requires") continue;
    if (!prerequisitesOf.has(e.from)) prerequisitesOf.set(e.from, []);
    prerequisitesOf.get(e.from).push(e);
  }

  const options = data.options;
  const container = document.getElementById("graph");
  const network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  // What the tests and the console can reach.
  const api = {
    network: network, nodes: nodes, edges: edges, normalize: normalize, resolve: resolve,
    focusNode: focusNode, reset: reset, highlightPrerequisites: highlightPrerequisites,
    safeHref: safeHref, get highlighted() { return highlighted; },
    focused: null, ready: false,
  };
  window.fmgraph = api;

  // An edge's label is drawn while the pointer is on it: at size 0 vis-network skips it, and
  // resizing one edge costs nothing, where labels on every edge would crowd the picture.
  network.on("hoverEdge", (p) => edges.update({ id: p.edge, font: { size: 13 } }));
  network.on("blurEdge", (p) => edges.update({ id: p.edge, font: { size: 0 } }));

  // ---- Highlighting --------------------------------------------------------------------------
  // A highlight veils the whole drawing and redraws only the highlighted nodes and edges on
  // top, after vis-network has drawn the frame. It costs the same whatever the graph's size;
  // restyling every node and edge through the DataSets takes about half a second at 2,000.
  let highlighted = null;
  function highlight(nodeIds, edgeIds) {
    highlighted = { nodes: new Set(nodeIds), edges: new Set(edgeIds) };
    network.redraw();
  }
  function clearHighlight() {
    if (highlighted === null) return;
    highlighted = null;
    network.redraw();
  }
  network.on("afterDrawing", (ctx) => {
    if (highlighted === null) return;
    const body = network.body;
    const shown = (node) => node !== undefined && !node.options.hidden;
    const a = network.DOMtoCanvas({ x: 0, y: 0 });
    const b = network.DOMtoCanvas({ x: container.clientWidth, y: container.clientHeight });
    ctx.save();
    ctx.fillStyle = "rgba(255, 255, 255, 0.82)";
    ctx.fillRect(a.x, a.y, b.x - a.x, b.y - a.y);
    ctx.restore();
    const lines = [];
    for (const id of highlighted.edges) {
      const e = body.edges[id];
      if (e && e.connected && shown(e.from) && shown(e.to)) lines.push(e);
    }
    for (const e of lines) e.draw(ctx);
    for (const e of lines) e.drawArrows(ctx);
    const labels = [];
    for (const id of highlighted.nodes) {
      if (!shown(body.nodes[id])) continue;
      const drawn = body.nodes[id].draw(ctx);
      if (drawn.drawExternalLabel) labels.push(drawn.drawExternalLabel);
    }
    for (const draw of labels) draw();
  });
  function highlightNeighbourhood(id) {
    highlight([id, ...network.getConnectedNodes(id)], network.getConnectedEdges(id));
  }

  // The concepts `id` builds on, directly or not, foundations first.
  function prerequisiteChain(id) {
    const level = new Map();
    const edgeIds = [];
    function visit(node) {
      if (level.has(node)) return level.get(node);
      level.set(node, 0); // guards against a cycle
      let deepest = -1;
      for (const e of prerequisitesOf.get(node) || []) {
        edgeIds.push(e.id);
        deepest = Math.max(deepest, visit(e.to));
      }
      level.set(node, deepest + 1);
      return deepest + 1;
    }
    visit(id);
    const order = [...level.keys()].filter((n) => n !== id);
    order.sort((a, b) => level.get(a) - level.get(b) || labelOf(a).localeCompare(labelOf(b)));
    return { concepts: order, edges: edgeIds };
  }
  function highlightPrerequisites(id) {
    const chain = prerequisiteChain(id);
    highlight([id, ...chain.concepts], chain.edges);
    return chain.concepts;
  }

  // ---- Details panel -------------------------------------------------------------------------
  const details = document.getElementById("details");
  function item(...children) {
    const li = el("li");
    li.append(...children);
    return li;
  }
  function nodeButton(id) {
    const b = el("button", "node-link", labelOf(id));
    b.type = "button";
    b.addEventListener("click", () => focusNode(id));
    return b;
  }
  function showDetails(id) {
    const n = byId.get(id);
    const section = [card(n.info)];
    const neighbours = new Map();
    for (const eid of network.getConnectedEdges(id)) {
      const e = edges.get(eid);
      const other = e.from === id ? e.to : e.from;
      const style = relationStyle(relationOf.get(eid));
      const key = e.from === id ? style.label : style.inverse;
      if (!neighbours.has(key)) neighbours.set(key, []);
      neighbours.get(key).push(other);
    }
    if (n.kind === "concept" && prerequisitesOf.has(id)) {
      const b = el("button", "chain", "Show the prerequisite chain");
      b.type = "button";
      b.addEventListener("click", () => {
        const chain = highlightPrerequisites(id);
        const list = el("ol", "chain-list");
        for (const c of chain) list.append(item(nodeButton(c)));
        list.append(el("li", "goal", n.info.title));
        b.replaceWith(el("h3", null, "Learn first, in this order"), list);
      });
      section.push(b);
    }
    for (const [key, ids] of [...neighbours].sort()) {
      section.push(el("h3", null, key));
      const ul = el("ul", "neighbours");
      ids.sort((a, b) => labelOf(a).localeCompare(labelOf(b)));
      for (const other of ids) ul.append(item(nodeButton(other)));
      section.push(ul);
    }
    details.replaceChildren(...section);
  }

  // ---- Search and filters --------------------------------------------------------------------
  const index = new Map();
  for (const n of data.nodes) {
    for (const name of n.names) {
      const key = normalize(name);
      if (!key) continue;
      if (!index.has(key)) index.set(key, new Set());
      index.get(key).add(n.id);
    }
  }
  const KINDS = ["concept", "session", "work", "topic"];

  // Same rules as NameIndex.resolve: an optional "kind:" qualifier, then one exact match.
  function resolve(query) {
    let name = query;
    let wanted = KINDS;
    const colon = query.indexOf(":");
    if (colon > 0) {
      const qualifier = query.slice(0, colon).trim().toLowerCase();
      if (KINDS.includes(qualifier) && query.slice(colon + 1).trim()) {
        wanted = [qualifier];
        name = query.slice(colon + 1);
      }
    }
    const key = normalize(name);
    const matches = [...(index.get(key) || [])].filter((id) => wanted.includes(byId.get(id).kind));
    matches.sort();
    if (matches.length === 1) return { node: matches[0], matches: matches };
    if (matches.length > 1) return { node: null, matches: matches };
    return { node: null, matches: [], suggestions: suggest(key, wanted) };
  }
  function suggest(key, wanted, limit = 8) {
    if (!key) return [];
    const found = new Set();
    for (const [k, ids] of index) {
      if (!k.includes(key)) continue;
      for (const id of ids) if (wanted.includes(byId.get(id).kind)) found.add(id);
    }
    return [...found].sort((a, b) => labelOf(a).localeCompare(labelOf(b))).slice(0, limit);
  }

  const message = document.getElementById("message");
  const results = document.getElementById("results");
  function showResults(text, ids) {
    message.textContent = text;
    results.replaceChildren(...ids.map((id) =>
      item(nodeButton(id), el("span", "result-kind", ` ${kinds[byId.get(id).kind].label}`)),
    ));
    results.hidden = ids.length === 0;
  }

  const search = document.getElementById("search");
  document.getElementById("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const query = search.value.trim();
    if (!query) return;
    const found = resolve(query);
    if (found.node) {
      showResults("", []);
      focusNode(found.node);
    } else if (found.matches.length) {
      showResults(`“${query}” names ${found.matches.length} nodes; pick one:`, found.matches);
    } else {
      const more = found.suggestions.length ? " Did you mean:" : "";
      showResults(`Nothing here is named “${query}”.${more}`, found.suggestions);
    }
  });
  search.addEventListener("input", () => {
    const key = normalize(search.value);
    if (key.length < 2) return showResults("", []);
    showResults("", suggest(key, KINDS));
  });

  function setKindVisible(kind, visible) {
    const box = document.querySelector(`input[data-kind="${CSS.escape(kind)}"]`);
    if (box) box.checked = visible;
    nodes.update(data.nodes.filter((n) => n.kind === kind).map((n) => ({ id: n.id, hidden: !visible })));
  }
  for (const box of document.querySelectorAll("#filters input[data-kind]")) {
    box.addEventListener("change", () => setKindVisible(box.dataset.kind, box.checked));
  }

  // Select a node, light up its neighbourhood and show its details; move the view to it
  // unless `move` is false (the page's own --focus node, already in the fitted view).
  function focusNode(id, move = true) {
    const n = byId.get(id);
    if (!n) return;
    if (nodes.get(id).hidden) setKindVisible(n.kind, true);
    api.focused = id;
    network.selectNodes([id]);
    highlightNeighbourhood(id);
    showDetails(id);
    if (!move) return;
    network.focus(id, {
      scale: Math.max(network.getScale(), 1.1),
      animation: { duration: 400, easingFunction: "easeInOutQuad" },
    });
  }
  function reset() {
    api.focused = null;
    network.unselectAll();
    clearHighlight();
    showResults("", []);
    network.fit();
  }
  document.getElementById("reset").addEventListener("click", reset);

  network.on("click", (params) => {
    if (params.nodes.length) {
      focusNode(params.nodes[0], false);
    } else if (!params.edges.length) {
      api.focused = null;
      clearHighlight();
    }
  });

  // ---- Layout: let physics settle, then stop it so large graphs stay responsive ---------------
  const progress = document.getElementById("progress");
  network.on("stabilizationProgress", (p) => {
    progress.textContent = `Laying out the graph… ${Math.round((100 * p.iterations) / p.total)}%`;
  });
  let settled = false;
  function done() {
    if (settled) return;
    settled = true;
    network.setOptions({ physics: { enabled: false } });
    progress.hidden = true;
    network.fit();
    if (data.focus) focusNode(data.focus, false);
    api.ready = true;
    document.body.dataset.ready = "true";
  }
  network.once("stabilizationIterationsDone", done);
  network.once("stabilized", done);
  // Without physics (or nodes) there is nothing to settle: the layout is already final.
  if (data.nodes.length === 0 || options.physics.enabled === false) done();

})();
