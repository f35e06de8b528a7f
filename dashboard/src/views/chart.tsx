// A time-series chart: uPlot (a small canvas charting library, ~50 KB) over aligned data
// (metrics-model.ts). uPlot draws on a canvas and writes its legend with textContent, so
// names reach the page as text. The chart is rebuilt when its series change, fed new data
// otherwise, and follows its box's width.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const PALETTE = ['#4c8ed9', '#d99a4c', '#4caf7a', '#a35cd9', '#d94c6f', '#3bb3b3', '#8c8c3b', '#6b6b6b', '#1f3b57', '#e0b000'];

export function TimeChart(props: { title: string; labels: string[]; data: uPlot.AlignedData; format: (v: number) => string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const labelsKey = props.labels.join('\u0000');

  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      title: props.title,
      width: Math.max(200, el.clientWidth),
      height: props.height ?? 200,
      scales: { x: { time: true } },
      axes: [{}, { values: (_u, vals) => vals.map((v) => (v == null ? '' : props.format(v))), size: 60 }],
      series: [{}, ...props.labels.map((label, i) => ({ label, stroke: PALETTE[i % PALETTE.length], width: 1.5, value: (_u: uPlot, v: number | null) => (v == null ? '—' : props.format(v)), spanGaps: false }))],
      legend: { live: true },
    };
    const u = new uPlot(opts, props.data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 200 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = undefined;
    };
  }, [labelsKey, props.title]);

  useEffect(() => {
    plot.current?.setData(props.data);
  }, [props.data]);

  return <div class="chart" ref={box} role="img" aria-label={`${props.title}: ${props.labels.join(', ')}`} />;
}
