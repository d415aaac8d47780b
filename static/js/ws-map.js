/* Supplier map: clustered markers from the directory's map.json (same filters).
 * Reads its settings from #supplier-map's data attributes; without a tile server it draws
 * the provinces' centres lightly so the markers keep their bearings. */
(function () {
  "use strict";

  var INDONESIA = [[-11.0, 94.9], [6.2, 141.1]];

  function text(tag, className, value) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    element.textContent = value;
    return element;
  }

  function popup(feature, detailUrl, profileLabel) {
    var box = document.createElement("div");
    box.className = "ws-map-popup";
    box.appendChild(text("strong", "d-block", feature.properties.name));
    if (feature.properties.sentra) {
      box.appendChild(text("span", "d-block small text-body-secondary", feature.properties.sentra));
    }
    var link = text("a", "d-inline-block mt-1", profileLabel);
    link.href = detailUrl.replace("{id}", String(feature.id));
    box.appendChild(link);
    return box;
  }

  function setStatus(status, key, count) {
    if (!status) return;
    var message = status.dataset[key] || "";
    status.textContent = message.replace("%(count)s", count == null ? "" : count.toLocaleString());
  }

  function drawProvinces(map) {
    var source = document.getElementById("supplier-map-provinces");
    if (!source) return;
    var provinces = JSON.parse(source.textContent || "[]");
    provinces.forEach(function (province) {
      L.circleMarker([province.lat, province.lon], {
        radius: 2, color: "#8a9299", weight: 1, fillOpacity: 0.3, interactive: false
      }).bindTooltip(province.name, {
        permanent: true, direction: "right", offset: [4, 0], className: "ws-map-province"
      }).addTo(map);
    });
  }

  function init() {
    var element = document.getElementById("supplier-map");
    if (!element || typeof L === "undefined") return;
    var status = document.getElementById("supplier-map-status");
    var map = L.map(element, { preferCanvas: true, minZoom: 3, maxZoom: 18 });
    map.fitBounds(INDONESIA);
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, {
        attribution: element.dataset.tileAttribution || "", maxZoom: 18
      }).addTo(map);
    } else {
      element.classList.add("ws-map-blank");
      drawProvinces(map);
    }
    var clusters = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
    map.addLayer(clusters);

    fetch(element.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        var detailUrl = data.detail_url || element.dataset.detailUrl.replace("/0/", "/{id}/");
        var label = element.dataset.profileLabel;
        var markers = data.features.map(function (feature) {
          var c = feature.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], { title: feature.properties.name });
          marker.bindPopup(function () { return popup(feature, detailUrl, label); });
          return marker;
        });
        clusters.addLayers(markers);
        element.dataset.count = String(markers.length);
        if (markers.length) {
          map.fitBounds(clusters.getBounds(), { padding: [24, 24], maxZoom: 11 });
        }
        if (markers.length === 0) setStatus(status, "countNone");
        else if (markers.length === 1) setStatus(status, "countOne");
        else setStatus(status, "countMany", markers.length);
        element.dataset.loaded = "true";
      })
      .catch(function () {
        setStatus(status, "failed");
        element.dataset.loaded = "error";
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
