// The Charts page: alerts per hour, time to claim and false alarms per camera, drawn with Chart.js.

import { api } from './api.js';
import { h } from './dom.js';
import { loadStores, storeName } from './known.js';

const charts = [];

export async function chartsPage() {
  const [stats] = await Promise.all([api('/api/v1/stats?days=7'), loadStores()]);
  destroyCharts();
  const canvas = (label) => h('canvas', { role: 'img', 'aria-label': label });
  const perHour = canvas('Alerts per hour per store, last 7 days');
  const toClaim = canvas('Time to claim distribution');
  const falseAlarms = canvas('False-alarm rate per camera');
  const page = [
    h('h1', {}, 'Charts'),
    h('h2', {}, 'Alerts per hour (7 days)'),
    h('div', { class: 'chart' }, perHour),
    h('h2', {}, 'Time to claim'),
    h('div', { class: 'chart' }, toClaim),
    h('h2', {}, 'False-alarm rate per camera'),
    h('div', { class: 'chart' }, falseAlarms),
  ];
  setTimeout(() => draw(stats, perHour, toClaim, falseAlarms), 0); // once the canvases are in the page
  return page;
}

function draw(stats, perHour, toClaim, falseAlarms) {
  const Chart = window.Chart;
  if (!Chart) return;
  const base = { responsive: true, maintainAspectRatio: false, animation: false };
  const hours = [...new Set(stats.alertsPerHour.map((r) => r.hour))].sort((a, b) => a - b);
  const stores = [...new Set(stats.alertsPerHour.map((r) => r.storeId))];
  charts.push(
    new Chart(perHour, {
      type: 'bar',
      options: { ...base, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
      data: {
        labels: hours.map((t) => new Date(t).toLocaleString([], { weekday: 'short', hour: '2-digit' })),
        datasets: stores.map((s) => ({
          label: storeName(s),
          data: hours.map((t) => stats.alertsPerHour.find((r) => r.hour === t && r.storeId === s)?.count || 0),
        })),
      },
    }),
  );
  const buckets = [
    [0, 15],
    [15, 30],
    [30, 60],
    [60, 120],
    [120, 300],
    [300, Infinity],
  ];
  charts.push(
    new Chart(toClaim, {
      type: 'bar',
      options: { ...base, scales: { y: { beginAtZero: true } } },
      data: {
        labels: buckets.map(([a, b]) => (b === Infinity ? `${a} s+` : `${a}-${b} s`)),
        datasets: [
          {
            label: 'incidents claimed',
            data: buckets.map(([a, b]) => stats.timeToClaimS.filter((s) => s >= a && s < b).length),
          },
        ],
      },
    }),
  );
  charts.push(
    new Chart(falseAlarms, {
      type: 'bar',
      options: { ...base, indexAxis: 'y', scales: { x: { min: 0, max: 100 } } },
      data: {
        labels: stats.falseAlarmByCamera.map((c) => `${storeName(c.storeId)} / camera ${c.cameraId}`),
        datasets: [
          {
            label: 'false alarms, % of resolved',
            data: stats.falseAlarmByCamera.map((c) => Math.round((c.rate || 0) * 100)),
          },
        ],
      },
    }),
  );
}

/** Leaving the Charts page: its charts are let go. */
export function destroyCharts() {
  for (const c of charts.splice(0)) c.destroy();
}
