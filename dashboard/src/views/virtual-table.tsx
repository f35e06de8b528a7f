// A table whose body is virtualized (virtual-window.ts): it scrolls in its own box, only the
// rows in view (and a few either side) are in the DOM, spacer rows keep the scrollbar true.
// Rows have one fixed height (CSS .vt), which is what makes the arithmetic exact; the height
// used is the one a rendered row measures (zoom, fonts), ROW_HEIGHT until then. Keyboard:
// the box is focusable; arrows, Page Up/Down, Home/End move the active row (scrolled into
// view) and Enter opens it; links inside rows stay reachable with Tab.
import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { moveActive, rowWindow, scrollToRow } from './virtual-window.js';

export const ROW_HEIGHT = 28;
const OVERSCAN = 8;

export function VirtualTable(props: {
  label: string;
  className?: string;
  columns: { title: string; width?: string; className?: string }[];
  count: number;
  row: (index: number, active: boolean) => VNode;
  onOpen?: (index: number) => void;
  children?: ComponentChildren;
}) {
  const box = useRef<HTMLDivElement>(null);
  const head = useRef<HTMLTableSectionElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [headHeight, setHeadHeight] = useState(ROW_HEIGHT);
  const [active, setActive] = useState(0);
  const [rowHeight, setRowHeight] = useState(ROW_HEIGHT);

  useLayoutEffect(() => {
    const el = box.current!;
    const measure = () => {
      setViewport(el.clientHeight);
      setHeadHeight(head.current?.offsetHeight ?? ROW_HEIGHT);
      const row = el.querySelector<HTMLElement>('tbody tr:not(.vt-pad)');
      if (row && row.getBoundingClientRect().height > 0) setRowHeight(row.getBoundingClientRect().height);
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [props.count > 0]);

  // A shorter list (a filter, deletions) keeps the active row inside it.
  useEffect(() => {
    if (active >= props.count) setActive(Math.max(0, props.count - 1));
  }, [props.count]);

  const bodyViewport = Math.max(0, viewport - headHeight);
  const w = rowWindow({ scrollTop, viewport: bodyViewport, rowHeight: rowHeight, count: props.count, overscan: OVERSCAN });

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.target !== box.current) return; // keys typed in a row's link or input are theirs
    if (e.key === 'Enter') {
      if (props.count > 0) props.onOpen?.(active);
      return;
    }
    const to = moveActive(e.key, active, props.count, Math.floor(bodyViewport / rowHeight));
    if (to === undefined) return;
    e.preventDefault();
    setActive(to);
    const top = scrollToRow(to, box.current!.scrollTop, bodyViewport, rowHeight);
    if (top !== undefined) box.current!.scrollTop = top;
  };

  const rows: VNode[] = [];
  for (let i = w.start; i < w.end; i++) rows.push(props.row(i, i === active));
  return (
    <div
      class={`vt ${props.className ?? ''}`}
      ref={box}
      tabIndex={0}
      role="region"
      aria-label={`${props.label}: ${props.count} rows; arrow keys move, Enter opens`}
      onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
      onKeyDown={onKeyDown}
    >
      <table class={props.className} aria-rowcount={props.count + 1}>
        <colgroup>{props.columns.map((c) => <col key={c.title} style={c.width ? { width: c.width } : undefined} />)}</colgroup>
        <thead ref={head}><tr aria-rowindex={1}>{props.columns.map((c) => <th key={c.title} class={c.className}>{c.title}</th>)}</tr></thead>
        <tbody>
          {w.padTop > 0 && <tr class="vt-pad" aria-hidden="true" style={{ height: `${w.padTop}px` }} />}
          {rows}
          {w.padBottom > 0 && <tr class="vt-pad" aria-hidden="true" style={{ height: `${w.padBottom}px` }} />}
        </tbody>
      </table>
      {props.children}
    </div>
  );
}
