// Draws the dashboard's charts with Chart.js (served by the console itself) from the figures the
// page carries as JSON; the page's Content Security Policy allows no inline script.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  if (typeof Chart === "undefined") {
    return;
  }
  var days = data.per_day.labels;
  function chart(id, config) {
    config.options = Object.assign({ responsive: true, animation: false }, config.options || {});
    return new Chart(document.getElementById(id), config);
  }
  chart("chart-per-day", {
    type: "bar",
    data: { labels: days, datasets: [{ label: "Conversations", data: data.per_day.conversations, backgroundColor: "#3b6ea8" }] },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
  chart("chart-rates", {
    type: "line",
    data: {
      labels: days,
      datasets: [
        { label: "Fallback %", data: data.per_day.fallback_rate, borderColor: "#b85c00" },
        { label: "Hand-off %", data: data.per_day.handoff_rate, borderColor: "#7a3f9d" }
      ]
    },
    options: { scales: { y: { beginAtZero: true, max: 100 } } }
  });
  chart("chart-topics", {
    type: "bar",
    data: { labels: data.topics.labels, datasets: [{ label: "Conversations", data: data.topics.counts, backgroundColor: "#2f7d5b" }] },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
  chart("chart-feedback", {
    type: "doughnut",
    data: {
      labels: ["Helpful", "Not helpful"],
      datasets: [{ data: [data.totals.helpful, data.totals.not_helpful], backgroundColor: ["#2f7d5b", "#b3261e"] }]
    }
  });
  document.body.setAttribute("data-charts", "drawn");
})();
