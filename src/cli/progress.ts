/** A one-line progress bar on stderr: long work shows progress. */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let last = 0;
  return {
    update(done: number, total: number, rate: number, force = false) {
      const now = Date.now();
      if (!force && now - last < 100) return;
      last = now;
      const width = 30;
      const fraction = total > 0 ? Math.min(done / total, 1) : 1;
      const filled = Math.round(fraction * width);
      const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${total} events, ${Math.round(rate)} events/s`;
      stream.write(stream.isTTY ? `\r${line}` : `${line}\n`);
    },
    done() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
