// The PNG chart of a bench run: per dataset the four ratios mongosafe ÷ peer with the 1.0 line
// and the targets, then peak RSS against its limit, then the gzip and S3 figures as text.
import { footerLines, TARGETS, type BenchReport, type RowSummary } from './report.js';
import { encodePng, GLYPH_HEIGHT, Raster, textWidth, type Color } from './png.js';

interface Series {
  label: string;
  color: Color;
  /** One per group; NaN draws nothing. */
  values: number[];
}

interface Reference {
  value: number;
  label: string;
  color: Color;
  dashed: boolean;
}

interface Panel {
  title: string;
  groups: string[];
  series: Series[];
  references: Reference[];
  digits: number;
  /** Under each group's label, e.g. its verdicts. */
  notes?: Array<{ text: string; color: Color }>;
}

const WIDTH = 1300;
const MARGIN_LEFT = 80;
const MARGIN_RIGHT = 250;
const TEXT: Color = [30, 30, 30];
const WHITE: Color = [255, 255, 255];
const GREEN: Color = [20, 140, 40];
const GRID: Color = [225, 225, 225];
const MUTED: Color = [110, 110, 110];
const BLUE: Color = [31, 119, 180];
const TEAL: Color = [23, 160, 180];
const ORANGE: Color = [245, 120, 10];
const BROWN: Color = [150, 80, 20];
const GREY: Color = [170, 170, 170];
const LIGHT_GREY: Color = [205, 205, 205];
const RED: Color = [200, 30, 30];
const TITLE_HEIGHT = 40;
const PANEL_HEIGHTS = [460, 340] as const;
const FOOTER_LINE = 26;

/** A round step for about five grid lines up to `max`. */
function gridStep(max: number): number {
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  return ([1, 2, 2.5, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
}

function drawPanel(raster: Raster, top: number, height: number, panel: Panel): void {
  raster.text(MARGIN_LEFT, top, panel.title, TEXT, 2);
  let legendX = MARGIN_LEFT;
  for (const series of panel.series) {
    raster.fillRect(legendX, top + 24, 14, 14, series.color);
    raster.text(legendX + 20, top + 24, series.label, TEXT, 2);
    legendX += 20 + textWidth(series.label, 2) + 26;
  }
  const plotTop = top + 60;
  const plotBottom = top + height - (panel.notes ? 64 : 44);
  const plotWidth = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
  const values = panel.series.flatMap((s) => s.values).filter(Number.isFinite);
  const max = Math.max(...values, ...panel.references.map((r) => r.value)) * 1.15;
  const y = (value: number): number => plotBottom - (value / max) * (plotBottom - plotTop);

  const step = gridStep(max);
  for (let tick = 0; tick <= max; tick += step) {
    raster.horizontalLine(MARGIN_LEFT, y(tick), plotWidth, GRID);
    const label = tick.toFixed(step < 1 ? (step < 0.1 ? 2 : 1) : 0);
    raster.text(MARGIN_LEFT - 8 - textWidth(label, 2), y(tick) - GLYPH_HEIGHT, label, MUTED, 2);
  }

  const groupWidth = plotWidth / Math.max(1, panel.groups.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, panel.series.length);
  const bars = panel.groups.flatMap((_, g) =>
    panel.series.flatMap((series, s) => {
      const value = series.values[g] ?? Number.NaN;
      return Number.isFinite(value) ? [{ value, color: series.color, left: MARGIN_LEFT + g * groupWidth + groupWidth * 0.1 + s * barWidth }] : [];
    }),
  );
  for (const bar of bars) raster.fillRect(bar.left + 2, y(bar.value), barWidth - 4, plotBottom - y(bar.value), bar.color);
  raster.horizontalLine(MARGIN_LEFT, plotBottom, plotWidth, TEXT, 2);

  // Over the bars, so a target shows even where a bar crosses it; labels pushed apart if close.
  let lastLabelY = Number.POSITIVE_INFINITY;
  for (const reference of [...panel.references].sort((a, b) => a.value - b.value)) {
    const at = y(reference.value);
    raster.horizontalLine(MARGIN_LEFT, at - 1, plotWidth, reference.color, 2, reference.dashed ? 8 : 0);
    const labelY = Math.min(at - GLYPH_HEIGHT, lastLabelY - 2 * GLYPH_HEIGHT - 4);
    raster.text(MARGIN_LEFT + plotWidth + 10, labelY, reference.label, reference.color, 2);
    lastLabelY = labelY;
  }

  // Values last, on white, so no line runs through them.
  for (const bar of bars) {
    const label = bar.value.toFixed(panel.digits);
    const scale = textWidth(label, 2) <= barWidth ? 2 : 1;
    const left = bar.left + (barWidth - textWidth(label, scale)) / 2;
    const labelTop = y(bar.value) - GLYPH_HEIGHT * scale - 6;
    raster.fillRect(left - 2, labelTop - 2, textWidth(label, scale) + 4, GLYPH_HEIGHT * scale + 4, WHITE);
    raster.text(left, labelTop, label, TEXT, scale);
  }
  panel.groups.forEach((group, g) => {
    const centred = (text: string, at: number, color: Color): void => {
      const scale = textWidth(text, 2) <= groupWidth - 8 ? 2 : 1;
      raster.text(MARGIN_LEFT + g * groupWidth + (groupWidth - textWidth(text, scale)) / 2, at, text, color, scale);
    };
    centred(group, plotBottom + 10, TEXT);
    const note = panel.notes?.[g];
    if (note) centred(note.text, plotBottom + 32, note.color);
  });
}

function ratioPanel(rows: readonly RowSummary[], groups: string[]): Panel {
  const backups = rows.filter((r) => r.operation === 'backup');
  const restores = rows.filter((r) => r.operation === 'restore');
  const pick = (operation: RowSummary['operation'], value: (row: RowSummary) => number): number[] =>
    (operation === 'backup' ? backups : restores).map(value);
  const archiveRestores = rows.filter((r) => r.operation === 'restore-archive');
  const verdict = (row: RowSummary | undefined): string => (row === undefined ? '-' : row.pass ? 'PASS' : 'MISS');
  return {
    notes: backups.map((backup, g) => {
      const restore = restores[g];
      const archive = archiveRestores[g];
      const pass = backup.pass && restore?.pass === true && archive?.pass !== false;
      return { text: `BACKUP ${verdict(backup)}, RESTORE ${verdict(restore)}, OF MONGODUMP'S ${verdict(archive)}`, color: pass ? GREEN : RED };
    }),
    title: 'MONGOSAFE ÷ MONGODUMP / MONGORESTORE, MEDIAN (LOWER IS BETTER)',
    groups,
    digits: 2,
    series: [
      { label: 'BACKUP WALL', color: BLUE, values: pick('backup', (r) => r.wallRatio) },
      { label: 'BACKUP CPU', color: TEAL, values: pick('backup', (r) => r.cpuRatio) },
      { label: 'RESTORE WALL', color: ORANGE, values: pick('restore', (r) => r.wallRatio) },
      { label: 'RESTORE CPU', color: BROWN, values: pick('restore', (r) => r.cpuRatio) },
    ],
    references: [
      { value: 1, label: '1.0 = PEER', color: TEXT, dashed: false },
      { value: TARGETS.backup.wall, label: `${TARGETS.backup.wall} BACKUP WALL`, color: BLUE, dashed: true },
      { value: TARGETS.backup.cpu, label: `${TARGETS.backup.cpu} BACKUP CPU`, color: TEAL, dashed: true },
      { value: TARGETS.restore.wall, label: `${TARGETS.restore.wall} RESTORE WALL`, color: ORANGE, dashed: true },
    ],
  };
}

function rssPanel(rows: readonly RowSummary[], groups: string[]): Panel {
  const pick = (operation: RowSummary['operation'], side: 0 | 1): number[] => rows.filter((r) => r.operation === operation).map((r) => r.peakRssMb[side]);
  // Ours restores twice (its own backup, mongodump's archive): the higher peak of the two.
  const archive = pick('restore-archive', 0);
  const oursRestore = pick('restore', 0).map((mb, g) => Math.max(mb, archive[g] ?? 0));
  return {
    title: 'PEAK RSS MB (HIGHEST OF THE ROUNDS)',
    groups,
    digits: 0,
    series: [
      { label: 'MONGOSAFE BACKUP', color: BLUE, values: pick('backup', 0) },
      { label: 'MONGODUMP', color: GREY, values: pick('backup', 1) },
      { label: 'MONGOSAFE RESTORE', color: ORANGE, values: oursRestore },
      { label: 'MONGORESTORE', color: LIGHT_GREY, values: pick('restore', 1) },
    ],
    references: [{ value: TARGETS.peakRssMb, label: `${TARGETS.peakRssMb} MB LIMIT`, color: RED, dashed: true }],
  };
}

/** The chart as PNG bytes. */
export function renderChart(report: BenchReport, title: string): Buffer {
  const groups = report.rows.filter((row) => row.operation === 'backup').map((row) => `${row.dataset} ×${row.scale}`);
  const panels = groups.length > 0 ? [ratioPanel(report.rows, groups), rssPanel(report.rows, groups)] : [];
  const footer = footerLines(report);
  const height = TITLE_HEIGHT + panels.reduce((sum, _, i) => sum + (PANEL_HEIGHTS[i] ?? 0), 0) + footer.length * FOOTER_LINE + 20;
  const raster = new Raster(WIDTH, height);
  raster.text(20, 12, title, TEXT, 2);
  let top = TITLE_HEIGHT + 10;
  panels.forEach((panel, i) => {
    drawPanel(raster, top, PANEL_HEIGHTS[i] ?? 0, panel);
    top += PANEL_HEIGHTS[i] ?? 0;
  });
  footer.forEach((line, i) => raster.text(20, top + i * FOOTER_LINE, line, TEXT, 2));
  return encodePng(raster);
}
