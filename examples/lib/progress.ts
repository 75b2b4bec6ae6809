import { Presets, SingleBar } from 'cli-progress';

/** A progress bar with the loss and steps per second; on a non-terminal, a line every 10%. */
export interface Progress {
  update(step: number, loss: number): void;
  stop(): void;
}

export function progress(label: string, total: number): Progress {
  const start = performance.now();
  const rate = (step: number) => (step / ((performance.now() - start) / 1000)).toFixed(1);
  if (!process.stdout.isTTY) {
    let next = 0;
    return {
      update(step, loss) {
        if (step < next && step !== total) return;
        next = step + Math.ceil(total / 10);
        console.log(`${label} step ${step}/${total}  loss ${loss.toFixed(5)}  ${rate(step)} steps/s`);
      },
      stop: () => undefined,
    };
  }
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | step {value}/{total} | loss {loss} | {rate} steps/s`,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, { loss: '-', rate: '-' });
  return {
    update: (step, loss) => bar.update(step, { loss: loss.toFixed(5), rate: rate(step) }),
    stop: () => bar.stop(),
  };
}
