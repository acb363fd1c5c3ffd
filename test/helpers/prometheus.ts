/** The value of one sample in a Prometheus text exposition (NaN when absent); `labels` as rendered, e.g. `kind="message"`. */
export function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `) || (labels === '' && l.startsWith(`${name} `)));
  return line ? Number(line.split(' ').pop()) : NaN;
}
