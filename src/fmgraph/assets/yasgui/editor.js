// The fmgraph SPARQL editor: YASGUI on this server's /query, one tab per bundled query.
// Everything it loads comes from this server; nothing is kept in the browser's storage.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("fmgraph-editor").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    autoAddOnInit: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    // The property and class completers ask a web service (LOV); prefixes and variables
    // are completed from what the page holds.
    yasqe: { autocompleters: ["prefixes", "variables"] },
  });
  config.examples.forEach(function (example, i) {
    yasgui.addTab(i === 0, {
      name: example.name,
      yasqe: { value: example.query },
      requestConfig: { endpoint: endpoint, method: "POST" },
    });
  });
  window.fmgraphEditor = yasgui;
})();
