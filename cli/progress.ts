/** A one-line progress bar on stderr, redrawn in place on a terminal and printed once otherwise. */
export function progressBar(label: string, total: number, stderr: NodeJS.WritableStream & { isTTY?: boolean }) {
  let last = -1;
  return (done: number) => {
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    if (percent === last) return;
    last = percent;
    if (!stderr.isTTY) {
      if (percent === 100) stderr.write(`${label}: uploaded ${total} bytes\n`);
      return;
    }
    const width = 24;
    const filled = Math.round((percent / 100) * width);
    stderr.write(
      `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}%${percent === 100 ? '\n' : ''}`,
    );
  };
}
