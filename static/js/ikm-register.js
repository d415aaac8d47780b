/* IKM registration and "my IKM" forms: formset rows, KBLI chips, component search,
 * location pin (regency centre, current position, optional Leaflet map), submit once.
 * Everything here is an enhancement: the forms post and validate without it. */
(function () {
  "use strict";

  // --- Formsets: add a row from the <template id="<prefix>-empty-row"> -----------------

  function renumber(container) {
    var rows = container.querySelectorAll("[data-formset-row]");
    rows.forEach(function (row, index) {
      var number = row.querySelector("[data-row-number]");
      if (number) number.textContent = String(index + 1);
    });
  }

  function addRow(prefix) {
    var container = document.querySelector('[data-formset="' + prefix + '"]');
    var template = document.getElementById(prefix + "-empty-row");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    if (!container || !template || !total) return;
    var index = parseInt(total.value, 10) || 0;
    if (max && index >= parseInt(max.value, 10)) return;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    container.appendChild(row);
    total.value = String(index + 1);
    renumber(container);
    if (window.htmx) window.htmx.process(row);
    var first = row.querySelector("select, input:not([type=hidden]):not([type=checkbox])");
    if (first) first.focus();
  }

  // --- KBLI chips -----------------------------------------------------------------------

  function addKbli(code, title) {
    var selected = document.getElementById("kbli-selected");
    var template = document.getElementById("kbli-chip-template");
    if (!selected || !template) return;
    if (selected.querySelector('[data-code="' + code + '"]')) return;
    var chip = template.content.firstElementChild.cloneNode(true);
    chip.dataset.code = code;
    chip.querySelector("input").value = code;
    chip.querySelector("[data-chip-code]").textContent = code;
    chip.querySelector("[data-chip-title]").textContent = title;
    var remove = chip.querySelector("[data-kbli-remove]");
    remove.setAttribute("aria-label", remove.getAttribute("aria-label") + " " + code);
    selected.appendChild(chip);
    var input = document.getElementById("kbli-search");
    if (input) input.classList.remove("is-invalid");
  }

  // --- Location ----------------------------------------------------------------------------

  var map = null;
  var marker = null;

  function coordinateInputs() {
    return {
      lat: document.querySelector('input[name$="latitude"]'),
      lng: document.querySelector('input[name$="longitude"]')
    };
  }

  function regencyCentre() {
    var select = document.querySelector("[data-regency-select]");
    var option = select && select.selectedOptions[0];
    if (!option || !option.dataset.lat) return null;
    return [parseFloat(option.dataset.lat), parseFloat(option.dataset.lng)];
  }

  function showCentre() {
    var inputs = coordinateInputs();
    var centre = regencyCentre();
    if (!inputs.lat || !inputs.lng) return;
    inputs.lat.placeholder = centre ? centre[0].toFixed(5) : "";
    inputs.lng.placeholder = centre ? centre[1].toFixed(5) : "";
    if (map) {
      var point = currentPoint() || centre;
      if (point) {
        map.setView(point, currentPoint() ? 14 : 11);
        placeMarker(point);
      }
    }
  }

  function currentPoint() {
    var inputs = coordinateInputs();
    if (!inputs.lat || !inputs.lat.value || !inputs.lng.value) return null;
    var lat = parseFloat(inputs.lat.value);
    var lng = parseFloat(inputs.lng.value);
    return isNaN(lat) || isNaN(lng) ? null : [lat, lng];
  }

  function setPoint(lat, lng) {
    var inputs = coordinateInputs();
    if (!inputs.lat) return;
    inputs.lat.value = lat.toFixed(5);
    inputs.lng.value = lng.toFixed(5);
    if (map) placeMarker([lat, lng]);
  }

  function placeMarker(point) {
    if (!map) return;
    if (marker) {
      marker.setLatLng(point);
    } else {
      marker = window.L.marker(point, { draggable: true }).addTo(map);
      marker.on("dragend", function () {
        var at = marker.getLatLng();
        setPoint(at.lat, at.lng);
      });
    }
  }

  function initMap() {
    var element = document.getElementById("location-map");
    if (!element || typeof window.L === "undefined" || !element.dataset.tileUrl) return;
    map = window.L.map(element, { minZoom: 4, maxZoom: 18 });
    window.L.tileLayer(element.dataset.tileUrl, {
      attribution: element.dataset.tileAttribution || "",
      maxZoom: 18
    }).addTo(map);
    map.setView(currentPoint() || regencyCentre() || [-2.5, 118], currentPoint() ? 14 : regencyCentre() ? 11 : 4);
    if (currentPoint()) placeMarker(currentPoint());
    map.on("click", function (event) {
      setPoint(event.latlng.lat, event.latlng.lng);
    });
  }

  function initLocation() {
    var button = document.getElementById("use-my-location");
    var status = document.getElementById("location-status");
    if (button && "geolocation" in navigator) {
      button.hidden = false;
      button.addEventListener("click", function () {
        button.disabled = true;
        navigator.geolocation.getCurrentPosition(
          function (position) {
            button.disabled = false;
            setPoint(position.coords.latitude, position.coords.longitude);
            if (status) status.textContent = "";
          },
          function () {
            button.disabled = false;
            if (status) status.textContent = button.dataset.error || "";
          },
          { enableHighAccuracy: true, timeout: 15000 }
        );
      });
    }
    var clear = document.getElementById("clear-location");
    if (clear) {
      clear.addEventListener("click", function () {
        var inputs = coordinateInputs();
        if (inputs.lat) inputs.lat.value = "";
        if (inputs.lng) inputs.lng.value = "";
        if (marker && map) {
          map.removeLayer(marker);
          marker = null;
        }
        showCentre();
      });
    }
    initMap();
    showCentre();
  }

  // --- Events -------------------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-formset-add]");
    if (add) {
      event.preventDefault();
      addRow(add.dataset.formsetAdd);
      return;
    }
    var kbli = event.target.closest("[data-kbli-add]");
    if (kbli) {
      event.preventDefault();
      addKbli(kbli.dataset.kbliAdd, kbli.dataset.kbliTitle || "");
      return;
    }
    var remove = event.target.closest("[data-kbli-remove]");
    if (remove) {
      event.preventDefault();
      var chip = remove.closest(".kbli-chip");
      if (chip) chip.remove();
      var search = document.getElementById("kbli-search");
      if (search) search.focus();
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches('[data-formset-row] input[name$="-DELETE"]')) {
      target.closest("[data-formset-row]").classList.toggle("is-removed", target.checked);
    }
    if (target.matches("[data-regency-select]")) showCentre();
    if (target.matches('input[name$="latitude"], input[name$="longitude"]')) {
      var point = currentPoint();
      if (point && map) {
        placeMarker(point);
        map.setView(point, 14);
      }
    }
  });

  // Enter in a search box searches; it must not submit the whole step.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-search-input]")) {
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target.matches && target.matches("[data-regency-select]")) showCentre();
    // A component search leaving exactly one component type picks it.
    if (target.matches && target.matches('select[name$="component_type"]') && !target.value) {
      var options = Array.prototype.filter.call(target.options, function (option) {
        return option.value && !option.disabled;
      });
      if (options.length === 1) target.value = options[0].value;
    }
  });

  // One submission per click: a second click while the page loads does nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitting === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
    window.setTimeout(function () {
      form.dataset.submitting = "";
    }, 8000);
  });

  function init() {
    document.querySelectorAll("[data-formset-row] input[name$='-DELETE']").forEach(function (box) {
      box.closest("[data-formset-row]").classList.toggle("is-removed", box.checked);
    });
    if (document.querySelector("[data-regency-select]")) initLocation();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
