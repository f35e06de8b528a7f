// Which rows of a long table are in the DOM (virtual-table.tsx): those the viewport shows plus a
// few either side, with spacers standing in for the rest, so 5,000 pods cost ~50 rows of DOM.
// And how the keyboard moves the active row. Pure.

export interface RowWindow {
  /** First and one-past-last row index in the DOM. */
  start: number;
  end: number;
  /** Pixels the spacer rows above and below stand for. */
  padTop: number;
  padBottom: number;
}

/**
 * The rows to render for a viewport `viewport` px tall scrolled to `scrollTop` (measured from
 * the first row), rows `rowHeight` px each, `overscan` rows more on either side.
 */
export function rowWindow(o: { scrollTop: number; viewport: number; rowHeight: number; count: number; overscan: number }): RowWindow {
  const { rowHeight, count, overscan } = o;
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, padTop: 0, padBottom: 0 };
  const first = Math.min(count - 1, Math.max(0, Math.floor(o.scrollTop / rowHeight)));
  const visible = Math.max(1, Math.ceil(Math.max(0, o.viewport) / rowHeight) + 1);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end, padTop: start * rowHeight, padBottom: (count - end) * rowHeight };
}

/** The active row after a key, or undefined when the key is not a navigation key. */
export function moveActive(key: string, active: number, count: number, pageRows: number): number | undefined {
  if (count <= 0) return undefined;
  const page = Math.max(1, pageRows - 1);
  const to = ({
    ArrowDown: active + 1,
    ArrowUp: active - 1,
    PageDown: active + page,
    PageUp: active - page,
    Home: 0,
    End: count - 1,
  } as Record<string, number>)[key];
  return to === undefined ? undefined : Math.min(count - 1, Math.max(0, to));
}

/** The scrollTop (from the first row) that brings row `index` into a viewport, or undefined if it is in view. */
export function scrollToRow(index: number, scrollTop: number, viewport: number, rowHeight: number): number | undefined {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewport) return top + rowHeight - viewport;
  return undefined;
}
