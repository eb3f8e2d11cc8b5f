/**
 * A job's loss chart (uPlot): the loss of every step, and each epoch's train and validation loss
 * and accuracy at the step that ended it. Points are added as events come and drawn at most once
 * a frame; the container's `data-points` says how many step losses it holds.
 */
import uPlot from "/ui/vendor/uplot/uPlot.esm.js";

const HEIGHT = 320;

export class LossChart {
  constructor(container) {
    this.container = container;
    // columns: step, step loss, train loss, validation loss, train accuracy, validation accuracy
    this.data = [[], [], [], [], [], []];
    this.points = 0;
    this.frame = 0;
    const epochSeries = (label, stroke, scale = "loss") => ({ label, stroke, scale, width: 0, spanGaps: true, points: { show: true, size: 7, fill: stroke } });
    this.plot = new uPlot(
      {
        width: Math.max(container.clientWidth, 300),
        height: HEIGHT,
        scales: { x: { time: false }, acc: { range: [0, 1] } },
        axes: [{ label: "step" }, { scale: "loss", label: "loss" }, { side: 1, scale: "acc", label: "accuracy", grid: { show: false } }],
        series: [
          { label: "step" },
          { label: "step loss", stroke: "#8a9bb5", width: 1, scale: "loss" },
          epochSeries("train loss", "#b4532a"),
          epochSeries("validation loss", "#1f5fb4"),
          epochSeries("train accuracy", "#2f8f4e", "acc"),
          epochSeries("validation accuracy", "#7a3fb4", "acc"),
        ],
      },
      this.data,
      container,
    );
    this.resize = new ResizeObserver(() => this.plot.setSize({ width: Math.max(container.clientWidth, 300), height: HEIGHT }));
    this.resize.observe(container);
    container.dataset.points = "0";
  }

  /** A step's loss. */
  addStep(step, loss) {
    this.points++;
    this.set(step, { 1: loss });
  }

  /** An epoch's figures, at the step that ended it. */
  addEpoch(step, { train_loss, val_loss, train_accuracy, val_accuracy }) {
    this.set(step, { 2: train_loss, 3: val_loss ?? null, 4: train_accuracy ?? null, 5: val_accuracy ?? null });
  }

  /** Writes `cells` (by column) at `step`: the last row's, or a new row's (steps only grow). */
  set(step, cells) {
    const xs = this.data[0];
    if (xs.at(-1) !== step) this.data.forEach((column, c) => column.push(c === 0 ? step : null));
    for (const [c, value] of Object.entries(cells)) this.data[c][xs.length - 1] = value;
    this.redraw();
  }

  redraw() {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.plot.setData(this.data);
      this.container.dataset.points = String(this.points);
    });
  }

  destroy() {
    cancelAnimationFrame(this.frame);
    this.resize.disconnect();
    this.plot.destroy();
  }
}
