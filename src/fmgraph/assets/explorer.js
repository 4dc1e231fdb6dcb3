// The fmgraph explorer: draws the graph embedded in the page with vis-network, and lists the
// study plan of a concept and the course's sessions beside it.
// Every text from the data reaches the page through textContent, never through markup.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("fmgraph-data").textContent);
  const study = data.study;

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
    if (!url) return null;
    let parsed;
    try {
      parsed = new URL(url);
    } catch (e) {
      return null;
    }
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  }

  // A link that opens apart from the page, or the text alone when the URL is not http(s).
  function linkOrText(text, url, textClass) {
    const href = safeHref(url);
    if (!href) return el("span", textClass, text);
    const a = el("a", null, text);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
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
        li.append(linkOrText(text, url, "not-a-link"));
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
  // Short ids (what `fmgraph plan` and the URL speak) to nodes, per kind.
  const byKey = new Map(data.nodes.map((n) => [`${n.kind}:${n.key}`, n.id]));
  const conceptNode = (key) => byKey.get(`concept:${key}`);

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

  // The big-graph overview: concepts gathered into one node per topic, works that link to no
  // concept hidden until asked for. Decided here, before vis-network lays anything out.
  const overview = Boolean(data.overview);
  const edgeCount = new Map();
  for (const e of data.edges) {
    if (byId.get(e.from).kind === "work" && byId.get(e.to).kind === "concept") {
      edgeCount.set(e.from, (edgeCount.get(e.from) || 0) + 1);
    }
  }
  const unlinked = new Set(
    overview ? data.nodes.filter((n) => n.kind === "work" && !edgeCount.has(n.id)).map((n) => n.id) : [],
  );

  // Each topic with its concepts, and the works that discuss them most, is one group node
  // until opened. Members and unlinked works stay out of the layout, which is that of the
  // topics and the sessions alone: a map of the course, not a hairball.
  const topicOf = new Map();
  for (const e of data.edges) if (e.relation === "inTopic") topicOf.set(e.from, e.to);
  const groups = new Map(); // group id -> member ids (the topic, its concepts, then works)
  const groupOf = new Map(); // member id -> its group, while the group is closed
  if (overview) {
    for (const [concept, topic] of [...topicOf].sort()) {
      const id = `cluster:${topic}`;
      if (!groups.has(id)) groups.set(id, [topic]);
      groups.get(id).push(concept);
    }
    const concepts = new Map([...groups].map(([id, m]) => [id, m.length - 1]));
    // a work goes with the topic most of its concepts are in (ties: the first topic by id)
    const votes = new Map();
    for (const e of data.edges) {
      const topic = topicOf.get(e.to);
      if (byId.get(e.from).kind !== "work" || !topic) continue;
      if (!votes.has(e.from)) votes.set(e.from, new Map());
      const v = votes.get(e.from);
      v.set(topic, (v.get(topic) || 0) + 1);
    }
    for (const [work, v] of [...votes].sort()) {
      const [topic] = [...v].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
      groups.get(`cluster:${topic}`).push(work);
    }
    for (const [id, members] of groups) for (const m of members) groupOf.set(m, id);
    const topicStyle = kinds.topic || { color: "#CC79A7", border: "#8C4A72" };
    for (const [id, members] of groups) {
      const topic = byId.get(members[0]);
      const k = concepts.get(id), w = members.length - 1 - k;
      const entry = {
        id: id, kind: "cluster", key: id, label: `${topic.label} (${k})`,
        size: Math.min(14 + 3 * Math.sqrt(members.length), 44), names: [],
        info: { kind: "Topic, closed", title: topic.info.title,
                rows: [["Concepts", String(k)], ["Works", String(w)]],
                text: "Click to open it and draw its concepts and works.", links: [] },
        color: topicStyle,
      };
      byId.set(id, entry);
    }
  }
  const clusterEntries = [...groups.keys()].map((id) => byId.get(id));
  const shownAs = (id) => groupOf.get(id) || id;
  // Members of closed groups and unlinked works are not given to vis-network until they are
  // shown: what it lays out and keeps in memory is the overview alone.
  const absent = new Set([...groupOf.keys(), ...unlinked]);

  function nodeItem(n) {
    const s = kinds[n.kind] || { shape: "dot" };
    const item = {
      id: n.id, label: n.label, shape: s.shape, size: n.size, color: nodeColor(n.kind),
    };
    if (n.level !== undefined) item.level = n.level;
    if (n.x !== undefined) Object.assign(item, { x: n.x, y: n.y, fixed: true });
    return item;
  }
  const nodes = new vis.DataSet([
    ...data.nodes.filter((n) => !absent.has(n.id)).map(nodeItem),
    ...clusterEntries.map((c) => ({
      id: c.id, label: c.label, shape: "hexagon", size: c.size, borderWidth: 2,
      color: { background: c.color.color, border: c.color.border },
    })),
  ]);
  const edgeById = new Map(data.edges.map((e) => [e.id, e]));
  function edgeItem(e, id, from, to) {
    const s = relationStyle(e.relation);
    return {
      id: id, from: from, to: to, label: s.label, color: edgeColor(e.relation),
      dashes: s.dashes, width: s.width,
      arrows: { to: { enabled: true, type: s.arrow || "arrow", scaleFactor: 0.6 } },
    };
  }
  // A link into a closed group is drawn once per group, relation and other end.
  const grouped = new Map(); // "from|to|relation" -> edge id
  let groupedCount = 0;
  function groupedEdges(list) {
    const items = [];
    for (const e of list) {
      const from = shownAs(e.from), to = shownAs(e.to);
      if ((from === e.from && to === e.to) || from === to) continue;
      if (absent.has(from) || absent.has(to)) continue;
      const key = `${from}|${to}|${e.relation}`;
      if (grouped.has(key)) continue;
      const id = `grouped:${groupedCount++}`;
      grouped.set(key, id);
      edgeById.set(id, { ...e, id: id, from: from, to: to });
      const item = edgeItem(e, id, from, to);
      // between two groups, a link is drawn but does not pull: a few thousand such springs
      // would double the layout's time and tie every group to every other
      if (groups.has(from) && groups.has(to)) item.physics = false;
      items.push(item);
    }
    return items;
  }
  const edges = new vis.DataSet([
    ...data.edges.filter((e) => !absent.has(e.from) && !absent.has(e.to))
      .map((e) => edgeItem(e, e.id, e.from, e.to)),
    ...groupedEdges(data.edges),
  ]);
  // Give vis-network nodes it did not have, where they are to stand, with their links to
  // what it has.
  function addNodes(placed) {
    nodes.add(placed.map(([id, x, y]) => ({ ...nodeItem(byId.get(id)), x: x, y: y })));
    for (const [id] of placed) absent.delete(id);
    const links = new Map();
    for (const [id] of placed) {
      for (const e of linksOf.get(id)) {
        if (!absent.has(e.from) && !absent.has(e.to) && edges.get(e.id) === null) links.set(e.id, e);
      }
    }
    edges.add([...links.values()].map((e) => edgeItem(e, e.id, e.from, e.to)));
  }
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
    suggest: suggest, focusNode: focusNode, reset: reset, pickEdge: pickEdge,
    highlightPrerequisites: highlightPrerequisites, safeHref: safeHref,
    planSteps: planSteps, pruned: pruned, prunedPlan: prunedPlan, markdown: planMarkdown, bibtex: planBibtex,
    get highlighted() { return highlighted; },
    get known() { return [...known].sort(); },
    focused: null, plan: null, ready: false,
  };
  window.fmgraph = api;

  // ---- Tooltips ------------------------------------------------------------------------------
  // The explorer draws its own tooltip: it knows which edge is meant when a highlighted edge
  // lies over a faded one, and it hides whenever the view moves.
  const tooltip = el("div", "tooltip");
  tooltip.id = "tooltip";
  tooltip.hidden = true;
  tooltip.setAttribute("role", "tooltip");
  container.append(tooltip);
  function showTooltip(content, pointer) {
    tooltip.replaceChildren(content);
    tooltip.hidden = false;
    const w = container.clientWidth, h = container.clientHeight;
    const x = Math.min(pointer.x + 14, Math.max(0, w - tooltip.offsetWidth - 4));
    const y = pointer.y + 14 + tooltip.offsetHeight > h ? pointer.y - tooltip.offsetHeight - 10 : pointer.y + 14;
    tooltip.style.left = `${Math.max(0, x)}px`;
    tooltip.style.top = `${Math.max(0, y)}px`;
  }
  let labelled = null; // the edge whose label is drawn
  function hideTooltip() {
    tooltip.hidden = true;
    if (labelled !== null) {
      // update would add an edge that a group's opening has removed: only one still there
      if (edges.get(labelled)) edges.update({ id: labelled, font: { size: 0 } });
      labelled = null;
    }
  }
  // The edge under the pointer that the picture shows: while a highlight is on, only a
  // highlighted edge counts, even where vis-network found a faded one beneath it.
  function pickEdge(edgeId, pointer) {
    if (highlighted === null || highlighted.edges.has(edgeId)) return edgeId;
    return litEdgeAt(pointer);
  }
  function litEdgeAt(pointer) {
    const p = network.DOMtoCanvas(pointer);
    const r = 4 / network.getScale();
    const box = { left: p.x - r, right: p.x + r, top: p.y - r, bottom: p.y + r };
    for (const id of highlighted.edges) {
      const e = network.body.edges[id];
      if (e && e.connected && e.isOverlappingWith(box)) return id;
    }
    return null;
  }
  network.on("hoverNode", (p) => {
    // a faded node under a lit link: the link is what the picture shows there
    if (highlighted !== null && !highlighted.nodes.has(p.node)) {
      const lit = litEdgeAt(p.pointer.DOM);
      if (lit !== null) return showEdge(lit, p.pointer.DOM);
    }
    const n = byId.get(p.node);
    if (n) showTooltip(card(n.info), p.pointer.DOM);
  });
  network.on("hoverEdge", (p) => {
    const id = pickEdge(p.edge, p.pointer.DOM);
    if (id === null) return hideTooltip();
    showEdge(id, p.pointer.DOM);
  });
  function showEdge(id, pointer) {
    hideTooltip();
    // An edge's label is drawn while the pointer is on it: at size 0 vis-network skips it,
    // and resizing one edge costs nothing, where labels on every edge would crowd the picture.
    labelled = id;
    edges.update({ id: id, font: { size: 13 } });
    showTooltip(edgeCard(edgeById.get(id)), pointer);
  }
  network.on("blurNode", hideTooltip);
  network.on("blurEdge", hideTooltip);
  for (const event of ["dragStart", "zoom", "startStabilizing"]) network.on(event, hideTooltip);
  container.addEventListener("mouseleave", hideTooltip);

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
  // From the data, not from vis-network: inside an overview, a node's links may be drawn as
  // links of the cluster that holds its neighbour.
  const linksOf = new Map(data.nodes.map((n) => [n.id, []]));
  for (const e of data.edges) {
    linksOf.get(e.from).push(e);
    if (e.to !== e.from) linksOf.get(e.to).push(e);
  }
  function neighbourhoodOf(id) {
    return [id, ...new Set(linksOf.get(id).map((e) => (e.from === id ? e.to : e.from)))];
  }
  function highlightNeighbourhood(id) {
    highlight(neighbourhoodOf(id), linksOf.get(id).map((e) => e.id));
  }

  // The concepts `id` builds on, directly or not, foundations first (for a page without plans).
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
    fitNodes([id, ...chain.concepts]);
    return chain.concepts;
  }

  // Move the view so that `ids` (those drawn) fill it, not closer than a label can be read.
  function fitNodes(ids) {
    hideTooltip();
    const drawn = ids.filter((id) => network.body.nodes[id] && !network.body.nodes[id].options.hidden);
    if (!drawn.length) return;
    const animation = motion();
    if (drawn.length === 1) {
      network.focus(drawn[0], { scale: Math.max(network.getScale(), 1.1), animation: animation });
    } else {
      network.fit({ nodes: drawn, maxZoomLevel: 1.6, animation: animation });
    }
    // labels are chosen for the zoom the view ends at
    if (animation) network.once("animationFinished", placeLabels);
    else placeLabels();
  }
  // Animations only when the reader has not asked for less motion and the page is ready.
  function motion() {
    if (!api.ready || matchMedia("(prefers-reduced-motion: reduce)").matches) return false;
    return { duration: 350, easingFunction: "easeInOutQuad" };
  }

  // ---- Labels --------------------------------------------------------------------------------
  // At the fitted zoom, the most important nodes get a label drawn at a legible size, as many
  // as fit without overlapping; the others are drawn too small to show (vis-network skips a
  // label below its drawThreshold) and fade in as the reader zooms in.
  const LEGIBLE = 12; // px on screen
  const THRESHOLD = options.nodes.scaling.label.drawThreshold;
  const BASE_FONT = options.nodes.font.size;
  const MAX_VISIBLE = options.nodes.scaling.label.maxVisible;
  const importance = (n) =>
    n.size + (n.kind === "cluster" ? 12 : n.kind === "concept" ? 6 : n.kind === "session" ? 3 : 0);
  const measure = document.createElement("canvas").getContext("2d");
  let fonts = new Map(); // node -> font size set on it, when not the default
  function placeLabels() {
    const scale = network.getScale();
    const body = network.body;
    // what is lit is labelled first: a highlighted plan or neighbourhood names its nodes
    const lit = (n) => (highlighted !== null && highlighted.nodes.has(n.id) ? 1 : 0);
    const order = [...data.nodes, ...clusterEntries]
      .filter((n) => body.nodes[n.id] && !body.nodes[n.id].options.hidden)
      .sort((a, b) => lit(b) - lit(a) || importance(b) - importance(a) || a.id.localeCompare(b.id));
    const positions = network.getPositions(order.map((n) => n.id));
    const w = container.clientWidth, h = container.clientHeight;
    const placed = [];
    const want = new Map();
    const hide = Math.max(1, (THRESHOLD - 1.5) / scale);
    const defaultHidden = BASE_FONT * scale < THRESHOLD - 1;
    let budget = 400; // labels tried: bounded, so a huge graph costs no more than a small one
    // A label must not cover a node more important than its own (those come first).
    const discs = [];
    const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    for (const n of order) {
      const p = network.canvasToDOM(positions[n.id]);
      const inside = p.x > -50 && p.x < w + 50 && p.y > -50 && p.y < h + 50;
      let show = false;
      const font = Math.max(BASE_FONT, LEGIBLE / scale);
      const px = Math.min(font * scale, MAX_VISIBLE);
      if (inside && budget > 0) {
        budget -= 1;
        measure.font = `${px}px system-ui, sans-serif`;
        const width = measure.measureText(numbered.get(n.id) || n.label).width + 6;
        const top = p.y + n.size * scale + 2;
        const box = { left: p.x - width / 2, right: p.x + width / 2, top: top, bottom: top + px * 1.3 };
        show = !placed.some((b) => overlaps(b, box)) && !discs.some((d) => overlaps(d, box));
        if (show) placed.push(box);
      }
      const r = n.size * scale;
      discs.push({ left: p.x - r, right: p.x + r, top: p.y - r, bottom: p.y + r });
      want.set(n.id, show ? font : defaultHidden ? BASE_FONT : hide);
    }
    const changes = [];
    for (const [id, size] of want) {
      const now = fonts.has(id) ? fonts.get(id) : BASE_FONT;
      if (now !== size) changes.push({ id: id, font: { size: size } });
    }
    const next = new Map();
    for (const [id, size] of want) if (size !== BASE_FONT) next.set(id, size);
    fonts = next;
    if (changes.length) nodes.update(changes);
    return placed.length;
  }

  // ---- Details panel -------------------------------------------------------------------------
  const details = document.getElementById("details");
  const detailsHint = details.innerHTML === "" ? null : [...details.childNodes].map((c) => c.cloneNode(true));
  function item(...children) {
    const li = el("li");
    li.append(...children);
    return li;
  }
  function nodeButton(id, text) {
    const b = el("button", "node-link", text === undefined ? labelOf(id) : text);
    b.type = "button";
    b.addEventListener("click", () => focusNode(id));
    return b;
  }
  // A concept named by its short id: a button when the graph draws it, else its label.
  function conceptButton(key) {
    const id = conceptNode(key);
    const label = conceptLabel(key);
    return id ? nodeButton(id, label) : el("span", "concept-name", label);
  }
  function conceptLabel(key) {
    const id = conceptNode(key);
    if (id) return labelOf(id);
    const c = study.concepts[key];
    return c && c.label ? c.label : key;
  }
  const narrow = matchMedia("(max-width: 800px)");
  function showDetails(id) {
    const n = byId.get(id);
    const section = [card(n.info)];
    const neighbours = new Map();
    for (const e of linksOf.get(id)) {
      const other = e.from === id ? e.to : e.from;
      const style = relationStyle(e.relation);
      const key = e.from === id ? style.label : style.inverse;
      if (!neighbours.has(key)) neighbours.set(key, []);
      neighbours.get(key).push(other);
    }
    if (n.kind === "concept" && study.plans[n.key]) {
      const b = el("button", "chain", "Study plan: what to learn and read first");
      b.type = "button";
      b.addEventListener("click", () => navigate({ plan: n.key }));
      section.push(b);
    } else if (n.kind === "concept" && prerequisitesOf.has(id)) {
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
    // On a phone the panel is a sheet under the graph: bring the card into it.
    if (narrow.matches) details.scrollIntoView({ block: "start" });
  }
  function clearDetails() {
    details.replaceChildren(...(detailsHint || []).map((c) => c.cloneNode(true)));
  }

  // ---- Search and filters --------------------------------------------------------------------
  // Each name is indexed whole (normalized as the CLI does) and from each of its word starts,
  // so a query matches at a word boundary ("lora" finds LoRA, not "Arena Elo rating").
  const index = new Map(); // whole normalized name -> node ids
  const starts = []; // [normalized text from a word start, node id, whole key]
  const words = (text) => String(text).split(/[^\p{L}\p{N}]+/u).map(normalize).filter(Boolean);
  for (const n of data.nodes) {
    for (const name of n.names) {
      const key = normalize(name);
      if (!key) continue;
      if (!index.has(key)) index.set(key, new Set());
      index.get(key).add(n.id);
      const ws = words(name);
      for (let i = 0; i < ws.length; i++) starts.push([ws.slice(i).join(""), n.id, key, i]);
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
    return { node: null, matches: [], suggestions: suggest(name, wanted) };
  }

  // Optimal string alignment distance (Levenshtein with transpositions), stopping above `max`.
  function distance(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return max + 1;
    let prev2 = null;
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const row = [i];
      let best = i;
      for (let j = 1; j <= b.length; j++) {
        const cost = a[i - 1] === b[j - 1] ? 0 : 1;
        let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          d = Math.min(d, prev2[j - 2] + 1);
        }
        row.push(d);
        best = Math.min(best, d);
      }
      if (best > max) return max + 1;
      prev2 = prev;
      prev = row;
    }
    return prev[b.length];
  }

  // Nodes whose names start, at a word boundary, with the query; when none does, names within
  // a typo or two of it ("rlfh" finds RLHF), as the CLI's "did you mean" does.
  function suggest(query, wanted = KINDS, limit = 8) {
    const key = normalize(query);
    if (!key) return [];
    const rank = new Map();
    const offer = (id, r) => {
      if (!wanted.includes(byId.get(id).kind)) return;
      if (!rank.has(id) || rank.get(id) > r) rank.set(id, r);
    };
    for (const id of index.get(key) || []) offer(id, 0);
    for (const [text, id, , i] of starts) if (text.startsWith(key)) offer(id, i === 0 ? 1 : 2);
    if (rank.size === 0 && key.length >= 3) {
      const max = key.length <= 5 ? 1 : 2;
      for (const [text, id] of starts) {
        if (distance(key, text, max) <= max) offer(id, 3);
        else if (key.length >= 5 && distance(key, text.slice(0, key.length), max) <= max) offer(id, 4);
      }
    }
    return [...rank.keys()]
      .sort((a, b) => rank.get(a) - rank.get(b) || labelOf(a).localeCompare(labelOf(b)))
      .slice(0, limit);
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
    showResults("", suggest(search.value, KINDS));
  });
  // Arrow keys walk the suggestions, Escape closes them and returns to the search box.
  function resultButtons() {
    return [...results.querySelectorAll("button")];
  }
  search.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && !results.hidden) {
      event.preventDefault();
      const first = resultButtons()[0];
      if (first) first.focus();
    } else if (event.key === "Escape") {
      showResults("", []);
    }
  });
  results.addEventListener("keydown", (event) => {
    const buttons = resultButtons();
    const i = buttons.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = i + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) search.focus();
      else if (buttons[Math.min(next, buttons.length - 1)]) buttons[Math.min(next, buttons.length - 1)].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      showResults("", []);
      search.focus();
    }
  });

  function setKindVisible(kind, visible) {
    const box = document.querySelector(`input[data-kind="${CSS.escape(kind)}"]`);
    if (box) box.checked = visible;
    // members of a closed group stay inside it; unlinked works wait for their own switch
    const keep = (n) => !absent.has(n.id) && !(visible && unlinked.has(n.id) && !showUnlinked);
    nodes.update(data.nodes.filter((n) => n.kind === kind && keep(n)).map((n) => ({ id: n.id, hidden: !visible })));
  }
  for (const box of document.querySelectorAll("#filters input[data-kind]")) {
    box.addEventListener("change", () => {
      setKindVisible(box.dataset.kind, box.checked);
      placeLabels();
    });
  }
  let showUnlinked = false;
  // Unlinked works were left out of the layout: the first time they show, they go on a ring
  // around the drawing, in id order.
  let ringed = false;
  function placeUnlinked() {
    if (ringed || !unlinked.size) return;
    ringed = true;
    const shown = nodes.getIds({ filter: (n) => !n.hidden });
    const at = network.getPositions(shown);
    let cx = 0, cy = 0, r = 0;
    for (const id of shown) { cx += at[id].x / shown.length; cy += at[id].y / shown.length; }
    for (const id of shown) r = Math.max(r, Math.hypot(at[id].x - cx, at[id].y - cy));
    const list = [...unlinked].sort();
    const radius = r + 120;
    addNodes(list.map((id, i) => {
      const a = (2 * Math.PI * i) / list.length;
      return [id, cx + radius * Math.cos(a), cy + radius * Math.sin(a)];
    }));
  }
  const unlinkedBox = document.getElementById("unlinked");
  if (unlinkedBox) {
    unlinkedBox.addEventListener("change", () => setUnlinked(unlinkedBox.checked));
  }
  function setUnlinked(show) {
    showUnlinked = show;
    if (show && !ringed) placeUnlinked();
    else nodes.update([...unlinked].map((id) => ({ id: id, hidden: !show })));
    placeLabels();
  }

  // ---- Study plan ----------------------------------------------------------------------------
  // The steps are those of `fmgraph plan TARGET --format json`, embedded by the renderer; each
  // concept's label, readings and count travel once, in study.concepts, and are put back here.
  function planSteps(target) {
    const steps = study.plans[target];
    if (!steps) return null;
    return steps.map((step) => ({ ...(study.concepts[step.id] || {}), ...step }));
  }

  // "I know this": the concepts marked known, kept in the browser, and everything they require
  // (directly or not) leave every plan, the rule of `fmgraph plan --know`.
  const STORE = "fmgraph.known";
  function loadKnown() {
    try {
      const list = JSON.parse(localStorage.getItem(STORE) || "[]");
      return new Set(Array.isArray(list) ? list.filter((k) => typeof k === "string") : []);
    } catch (e) {
      return new Set();
    }
  }
  function saveKnown() {
    try {
      if (known.size) localStorage.setItem(STORE, JSON.stringify([...known].sort()));
      else localStorage.removeItem(STORE);
    } catch (e) {
      // storage may be off (private windows, some file:// settings): the URL still keeps it
    }
  }
  let known = loadKnown();
  function pruned(knownKeys) {
    const out = new Set();
    const stack = [...knownKeys];
    while (stack.length) {
      const key = stack.pop();
      if (out.has(key)) continue;
      out.add(key);
      for (const p of study.requires[key] || []) stack.push(p);
    }
    return out;
  }

  // The plan of `target` without what is known: the steps left, each listing (in `after`) only
  // the prerequisites still in the plan, as `fmgraph plan --know` answers.
  function prunedPlan(target) {
    const gone = pruned(known);
    return planSteps(target).filter((s) => !gone.has(s.id))
      .map((s) => (Array.isArray(s.after) ? { ...s, after: s.after.filter((a) => !gone.has(a)) } : s));
  }

  const studyPanel = document.getElementById("study");
  function button(text, className, onClick) {
    const b = el("button", className, text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  // The plan lists a work once per place the course reads it; shown once, with every place.
  function byWork(readings) {
    const groups = [];
    for (const r of readings) {
      const last = groups[groups.length - 1];
      if (last && last[0].work === r.work) last.push(r);
      else groups.push([r]);
    }
    return groups;
  }
  function readingItem(group) {
    const r = group[0];
    const w = study.works[r.work] || { title: r.title || r.work };
    const li = el("li", "reading");
    li.append(linkOrText(r.title || w.title, r.url || w.url, "reading-title"));
    li.append(el("span", "where", ` ${readingWhere(group)}`));
    return li;
  }
  function readingWhere(group) {
    const r = group[0];
    const parts = group.filter((g) => g.session)
      .map((g) => `${g.session}, ${g.role || "reading"}${g.position ? ` #${g.position}` : ""}`);
    if (!parts.length) parts.push("not read in a session");
    // how the work treats the concept: the plan's relation, or its older introduces flag
    if (typeof r.relation === "string") parts.push(r.relation);
    else if (r.introduces === true) parts.push("introduces");
    return `(${parts.join("; ")})`;
  }
  // Why a step is in the plan: the plan's own answer (the step it is needed for, and why) when
  // it gives one, else the concepts of the plan that require it.
  function whyOf(step, steps) {
    if (step.needed_for) {
      const how = step.background ? "background for" : "needed for";
      return `${how} ${conceptLabel(step.needed_for)}${step.reason ? `: ${step.reason}` : ""}`;
    }
    if (typeof step.reason === "string" && step.reason) return step.reason;
    const needs = steps.filter((s) => (study.requires[s.id] || []).includes(step.id));
    return needs.length ? `needed for ${needs.map((s) => conceptLabel(s.id)).join(", ")}` : "";
  }

  function openPlan(target) {
    const steps = planSteps(target);
    if (!steps) return false;
    api.plan = target;
    const shown = prunedPlan(target);
    const label = conceptLabel(target);
    const parts = [el("h2", null, `Study plan: ${label}`)];
    const count = shown.length;
    const skipped = steps.length - count;
    parts.push(el("p", "plan-summary",
      `${count} step${count === 1 ? "" : "s"}, in the order of fmgraph plan ${target}` +
      (skipped ? `; ${skipped} left out because you know them.` : ".")));
    const tools = el("div", "plan-tools");
    tools.append(
      button("Print", "print", () => window.print()),
      button("Markdown", "export-md", () => download(`plan-${target}.md`, planMarkdown(target), "text/markdown")),
      button("BibTeX", "export-bib", () => download(`plan-${target}.bib`, planBibtex(target), "application/x-bibtex")),
      button("Close", "close", () => navigate({})),
    );
    parts.push(tools);
    if (known.size) {
      const p = el("p", "known");
      p.append(el("span", null, "You know: "));
      for (const key of [...known].sort()) {
        p.append(button(`${conceptLabel(key)} ✕`, "unknow", () => setKnown(key, false)), " ");
      }
      p.append(button("Forget all", "forget", () => clearKnown()));
      parts.push(p);
    }
    const list = el("ol", "plan-steps");
    for (const step of shown) {
      const li = el("li", "step");
      li.dataset.step = step.id;
      const head = el("div", "step-head");
      head.append(conceptButton(step.id));
      if (step.id !== target) {
        const k = button("I know this", "know", () => setKnown(step.id, true));
        k.setAttribute("aria-label", `I know ${conceptLabel(step.id)}`);
        head.append(k);
      } else {
        head.append(el("span", "goal-mark", "your goal"));
      }
      li.append(head);
      const why = whyOf(step, shown);
      if (why) li.append(el("p", "why", why));
      const readings = step.readings || [];
      if (readings.length) {
        const ul = el("ul", "readings");
        for (const group of byWork(readings)) ul.append(readingItem(group));
        li.append(ul);
      } else {
        const n = step.discussed_by || 0;
        li.append(el("p", "no-reading", n ? `${n} work${n === 1 ? "" : "s"} discuss it; none is shown.` : "No work discusses it."));
      }
      list.append(li);
    }
    parts.push(list);
    studyPanel.replaceChildren(...parts);
    studyPanel.hidden = false;
    document.body.dataset.study = "plan";
    const ids = shown.map((s) => conceptNode(s.id)).filter(Boolean);
    numberSteps(shown);
    const chainEdges = [];
    const inPlan = new Set(ids);
    for (const id of ids) for (const e of prerequisitesOf.get(id) || []) if (inPlan.has(e.to)) chainEdges.push(e.id);
    highlight(ids, chainEdges);
    fitNodes(ids);
    return true;
  }
  function setKnown(key, value) {
    if (value) known.add(key);
    else known.delete(key);
    saveKnown();
    replaceState();
  }
  function clearKnown() {
    known = new Set();
    saveKnown();
    replaceState();
  }

  function download(name, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
    const a = el("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // Markdown: text escaped so that a title cannot become markup, links only for http(s).
  const md = (text) => String(text).replace(/[\\`*_{}[\]()<>#+!|~]/g, "\\$&").replace(/\n/g, " ");
  const mdUrl = (url) => url.replace(/[()<>\s]/g, (c) => encodeURIComponent(c));
  function planMarkdown(target) {
    const steps = prunedPlan(target);
    const lines = [`# Study plan: ${md(conceptLabel(target))}`, ""];
    lines.push(`The steps of \`fmgraph plan ${target.replace(/`/g, "")}\`` +
      (known.size ? `, without what I know (${[...known].sort().map((k) => md(conceptLabel(k))).join(", ")}).` : "."), "");
    steps.forEach((step, i) => {
      const why = whyOf(step, steps);
      lines.push(`${i + 1}. **${md(conceptLabel(step.id))}**${why ? ` (${md(why)})` : ""}`);
      for (const group of byWork(step.readings || [])) {
        const r = group[0];
        const w = study.works[r.work] || {};
        const href = safeHref(r.url || w.url);
        const title = md(r.title || w.title || r.work);
        lines.push(`   - ${href ? `[${title}](${mdUrl(href)})` : title} ${md(readingWhere(group))}`);
      }
    });
    return lines.join("\n") + "\n";
  }

  // BibTeX: one entry per work of the plan, in plan order; TeX's special characters escaped.
  const TEX = { "\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "&": "\\&", "%": "\\%",
    "$": "\\$", "#": "\\#", "_": "\\_", "^": "\\^{}", "~": "\\~{}" };
  const tex = (text) => String(text).replace(/[\\{}&%$#_^~]/g, (c) => TEX[c]).replace(/\s+/g, " ");
  function planBibtex(target) {
    const seen = new Set();
    const entries = [];
    for (const step of prunedPlan(target)) {
      for (const r of step.readings || []) {
        if (seen.has(r.work)) continue;
        seen.add(r.work);
        const w = study.works[r.work] || { title: r.title || r.work, authors: [] };
        const key = String(r.work).replace(/[^A-Za-z0-9:._-]/g, "-");
        const fields = [["title", `{${tex(w.title)}}`]];
        if (w.authors && w.authors.length) fields.push(["author", w.authors.map(tex).join(" and ")]);
        if (w.year) fields.push(["year", tex(w.year)]);
        if (w.arxiv) fields.push(["eprint", tex(w.arxiv)], ["archiveprefix", "arXiv"]);
        const href = safeHref(w.url);
        if (href) fields.push(["url", href.replace(/[{}\\%#\s]/g, (c) => encodeURIComponent(c))]);
        const body = fields.map(([k, v]) => `  ${k} = {${v}}`).join(",\n");
        entries.push(`@misc{${key},\n${body}\n}`);
      }
    }
    return entries.join("\n\n") + (entries.length ? "\n" : "");
  }

  // ---- Sessions ------------------------------------------------------------------------------
  function openSessions() {
    numberSteps([]);
    const parts = [el("h2", null, "The course in time")];
    const n = study.sessions.length;
    parts.push(el("p", "plan-summary", n ? `${n} session${n === 1 ? "" : "s"} in date order.` : "No session."));
    parts.push(el("div", "plan-tools"));
    parts[2].append(button("Print", "print", () => window.print()), button("Close", "close", () => navigate({})));
    const list = el("ol", "sessions");
    for (const s of study.sessions) {
      const li = el("li", "session");
      li.dataset.session = s.id;
      const head = el("h3");
      const node = byKey.get(`session:${s.id}`);
      head.append(node ? nodeButton(node, s.id) : el("span", null, s.id));
      if (s.date) head.append(el("span", "date", ` · ${s.date}`));
      li.append(head);
      if (s.title) li.append(el("p", "session-title", s.title));
      if (s.readings.length) {
        li.append(el("h4", null, "Readings"));
        const ul = el("ul", "readings");
        for (const r of s.readings) ul.append(readingItem([{ work: r.work, session: s.id, role: r.role, position: r.position }]));
        li.append(ul);
      }
      const lists = [["Teaches", "teaches", s.teaches, "no concept"],
        ["Also discusses", "discusses", s.discusses || [], null],
        ["Assumes", "assumes", s.assumes, "nothing declared"]];
      for (const [heading, name, keys, none] of lists) {
        if (!keys.length && none === null) continue;
        li.append(el("h4", null, heading));
        if (!keys.length) {
          li.append(el("p", "none", none));
          continue;
        }
        const p = el("p", `concepts ${name}`);
        keys.forEach((key, i) => {
          if (i) p.append(", ");
          p.append(conceptButton(key));
        });
        li.append(p);
      }
      if (study.audit) li.append(...auditOf(s.id));
      list.append(li);
    }
    parts.push(list);
    studyPanel.replaceChildren(...parts);
    studyPanel.hidden = false;
    document.body.dataset.study = "sessions";
    sessionsToggle.setAttribute("aria-pressed", "true");
    // the graph lights the sessions and what they read
    const lit = study.sessions.map((x) => byKey.get(`session:${x.id}`)).filter(Boolean);
    const reads = lit.flatMap((id) => linksOf.get(id).filter((e) => e.relation.endsWith("Reading")));
    highlight([...lit, ...reads.map((e) => e.to)], reads.map((e) => e.id));
    fitNodes([...lit, ...reads.map((e) => e.to)]);
  }
  // What `fmgraph audit` finds in a session: a concept taught before a prerequisite is.
  function auditOf(code) {
    const found = study.audit.findings.filter((f) => f.session === code);
    const heading = el("h4", null, "Order check (fmgraph audit)");
    if (!found.length) return [heading, el("p", "none audit-ok", "every prerequisite taught before or declared")];
    const ul = el("ul", "findings");
    for (const f of found) {
      const li = el("li", "finding");
      li.append(conceptButton(f.concept), " before ", conceptButton(f.prerequisite), " ");
      const where = f.first_taught_in ? `taught later, in ${f.first_taught_in}` : "taught in no session";
      li.append(el("span", "where", `(${where}; ${f.reason})`));
      ul.append(li);
    }
    return [heading, ul];
  }
  // While a plan is open, the graph labels its concepts with their step numbers.
  const numbered = new Map(); // node -> its label with its step number
  function numberSteps(steps) {
    const next = new Map();
    steps.forEach((step, i) => {
      const id = conceptNode(step.id);
      if (id && nodes.get(id)) next.set(id, `${i + 1}. ${byId.get(id).label}`);
    });
    const changes = [];
    for (const id of numbered.keys()) {
      if (!next.has(id) && nodes.get(id)) changes.push({ id: id, label: byId.get(id).label });
    }
    for (const [id, label] of next) if (numbered.get(id) !== label) changes.push({ id: id, label: label });
    numbered.clear();
    for (const [id, label] of next) numbered.set(id, label);
    if (changes.length) nodes.update(changes);
  }
  function closeStudy() {
    numberSteps([]);
    studyPanel.hidden = true;
    studyPanel.replaceChildren();
    delete document.body.dataset.study;
    api.plan = null;
    sessionsToggle.setAttribute("aria-pressed", "false");
  }
  const sessionsToggle = document.getElementById("sessions-toggle");
  sessionsToggle.addEventListener("click", () =>
    navigate(document.body.dataset.study === "sessions" ? {} : { sessions: true }));

  // ---- Selection -----------------------------------------------------------------------------
  // Select a node, light up its neighbourhood, show its details and fit them into view (unless
  // `move` is false: the page's own --focus node, already in the fitted view); `remember` puts
  // it in the URL, so that Back returns to what was shown before.
  function focusNode(id, { move = true, remember = true } = {}) {
    const n = byId.get(id);
    if (!n) return;
    if (groups.has(id)) return selectGroup(id);
    openClusterOf(id);
    if (unlinked.has(id) && !showUnlinked && unlinkedBox) {
      unlinkedBox.checked = true;
      setUnlinked(true);
    }
    if (nodes.get(id).hidden) setKindVisible(n.kind, true);
    api.focused = id;
    network.selectNodes([id]);
    highlightNeighbourhood(id);
    showDetails(id);
    if (move) fitNodes(neighbourhoodOf(id));
    if (remember) record({ ...current, focus: keyOf(id) });
  }
  // The name the URL uses for a node: its id, qualified by its kind only when ambiguous.
  function keyOf(id) {
    const n = byId.get(id);
    return resolve(n.key).node === id ? n.key : `${n.kind}:${n.key}`;
  }
  function unfocus() {
    api.focused = null;
    network.unselectAll();
    clearDetails();
  }
  function reset() {
    navigate({});
  }
  document.getElementById("reset").addEventListener("click", reset);

  network.on("click", (params) => {
    hideTooltip();
    const id = params.nodes.length ? params.nodes[0] : null;
    if (id !== null && groups.has(id)) {
      openCluster(id);
    } else if (id !== null) {
      focusNode(id);
    } else if (!params.edges.length) {
      unfocus();
      clearHighlight();
      record({ ...current, focus: null });
    }
  });

  // ---- State in the URL ----------------------------------------------------------------------
  // #focus=dpo, #plan=dpo&know=rlhf,transformer, #sessions: every view has an address, and
  // Back and Forward move between them.
  let current = { focus: null, plan: null, sessions: false };
  let shownHash = null;
  const enc = (text) => encodeURIComponent(text).replace(/%3A/gi, ":").replace(/%2C/gi, ",");
  function hashOf(state) {
    const parts = [];
    if (state.plan) {
      parts.push(`plan=${enc(state.plan)}`);
      if (known.size) parts.push(`know=${[...known].sort().map(enc).join(",")}`);
    } else if (state.sessions) {
      parts.push("sessions");
    }
    if (state.focus) parts.push(`focus=${enc(state.focus)}`);
    return parts.join("&");
  }
  function readHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const know = params.get("know");
    return {
      focus: params.get("focus"),
      plan: params.get("plan"),
      sessions: params.has("sessions"),
      know: know === null ? null : know.split(",").map((k) => k.trim()).filter(Boolean),
    };
  }
  const hashNow = () => location.hash.replace(/^#/, "");
  // A new history entry for `state`, already shown.
  function record(state) {
    current = { focus: state.focus || null, plan: state.plan || null, sessions: Boolean(state.sessions) };
    const hash = hashOf(current);
    shownHash = hash;
    if (hash !== hashNow()) location.hash = hash;
  }
  // Show `state` and give it a history entry.
  function navigate(state) {
    apply(state);
    record(current);
  }
  // The same entry, rewritten (what "I know this" changes is not a place to go Back to).
  function replaceState() {
    rewriteUrl();
    if (current.plan) openPlan(current.plan);
  }
  function rewriteUrl() {
    shownHash = hashOf(current);
    history.replaceState(null, "", `#${shownHash}`);
  }
  function planKey(name) {
    if (study.plans[name]) return name;
    const found = resolve(`concept:${name}`);
    const n = found.node ? byId.get(found.node) : null;
    return n && study.plans[n.key] ? n.key : null;
  }
  function nodeFor(name) {
    const found = resolve(name);
    return found.node || null;
  }
  function apply(state) {
    hideTooltip();
    showResults("", []);
    if (state.know && state.plan) {
      known = new Set(state.know);
      saveKnown();
    }
    const plan = state.plan ? planKey(state.plan) : null;
    current = { focus: state.focus || null, plan: plan, sessions: !plan && Boolean(state.sessions) };
    if (state.plan && !plan) message.textContent = `No study plan here for “${state.plan}”.`;
    if (plan) openPlan(plan);
    else if (current.sessions) openSessions();
    else closeStudy();
    const id = current.focus ? nodeFor(current.focus) : null;
    if (id) {
      focusNode(id, { move: !plan, remember: false });
    } else {
      unfocus();
      if (!plan && !current.sessions) {
        clearHighlight();
        if (api.ready) network.fit({ animation: motion() });
      }
    }
  }
  window.addEventListener("hashchange", () => {
    const hash = hashNow();
    if (hash === shownHash) return;
    shownHash = hash;
    apply(readHash());
  });

  // ---- Keyboard ------------------------------------------------------------------------------
  // The graph takes the focus like any control: arrow keys go from node to node (most
  // important first), Enter opens a concept's study plan, + and - zoom, Escape resets.
  function keyboardOrder() {
    const body = network.body;
    return [...data.nodes, ...clusterEntries]
      .filter((n) => body.nodes[n.id] && !body.nodes[n.id].options.hidden && !isClustered(n.id))
      .sort((a, b) => importance(b) - importance(a) || a.label.localeCompare(b.label))
      .map((n) => n.id);
  }
  container.addEventListener("keydown", (event) => {
    if (event.target !== container) return;
    const key = event.key;
    if (["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"].includes(key)) {
      const order = keyboardOrder();
      if (!order.length) return;
      const i = order.indexOf(api.focused);
      const step = key === "ArrowRight" || key === "ArrowDown" ? 1 : -1;
      const next = i < 0 ? (step > 0 ? 0 : order.length - 1) : (i + step + order.length) % order.length;
      focusNode(order[next]);
    } else if (key === "Enter" && api.focused) {
      const n = byId.get(api.focused);
      if (groups.has(api.focused)) openCluster(api.focused);
      else if (n.kind === "concept" && study.plans[n.key]) navigate({ plan: n.key, focus: null });
    } else if (key === "+" || key === "=" || key === "-") {
      const scale = network.getScale() * (key === "-" ? 1 / 1.3 : 1.3);
      network.moveTo({ scale: scale });
      hideTooltip();
    } else if (key === "Escape") {
      reset();
    } else {
      return;
    }
    event.preventDefault();
  });

  // ---- Overview of a big graph ---------------------------------------------------------------
  // A closed group reached by keyboard: selected, its card shown with a button to open it.
  function selectGroup(id) {
    if (!nodes.get(id)) return;
    api.focused = id;
    network.selectNodes([id]);
    clearHighlight();
    const open = el("button", "chain", "Open this topic");
    open.type = "button";
    open.addEventListener("click", () => openCluster(id));
    details.replaceChildren(card(byId.get(id).info), open);
    fitNodes([id]);
  }
  function isClustered(id) {
    return groupOf.has(id);
  }
  function openClusterOf(id) {
    if (groupOf.has(id)) openCluster(groupOf.get(id));
  }
  // Open a group: its members appear around where it stood, on a sunflower spiral (no two in
  // the same place), and their links are drawn to what is shown, grouped or not.
  function openCluster(group) {
    const members = groups.get(group);
    if (!members || !nodes.get(group)) return;
    const at = network.getPosition(group);
    for (const m of members) groupOf.delete(m);
    addNodes(members.map((m, i) => {
      const r = 30 * Math.sqrt(i + 1), a = i * 2.39996;
      return [m, at.x + r * Math.cos(a), at.y + r * Math.sin(a)];
    }));
    const stale = [];
    for (const [key, id] of grouped) {
      const [from, to] = key.split("|");
      if (from === group || to === group) {
        stale.push(id);
        grouped.delete(key);
      }
    }
    edges.remove(stale);
    nodes.remove(group);
    const touching = new Set();
    for (const m of members) for (const e of linksOf.get(m)) touching.add(e);
    edges.add(groupedEdges([...touching]));
    placeLabels();
  }

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
    placeLabels();
    if (location.hash.length > 1) {
      shownHash = hashNow();
      apply(readHash());
    } else if (study.start === "plan" && study.target) {
      apply({ plan: study.target, know: null });
      rewriteUrl();
    } else if (study.start === "sessions") {
      apply({ sessions: true });
      rewriteUrl();
    } else if (data.focus) {
      focusNode(data.focus, { move: false, remember: false });
    }
    api.ready = true;
    document.body.dataset.ready = "true";
  }
  network.once("stabilizationIterationsDone", done);
  network.once("stabilized", done);
  // Without physics (or nodes) there is nothing to settle: the layout is already final.
  if (data.nodes.length === 0 || options.physics.enabled === false) done();
})();
