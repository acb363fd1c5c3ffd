/**
 * Number formatting for the table and the chart, done by hand so the output
 * is identical on every machine (no locale or ICU data involved).
 */

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A whole number with thousands separators.
 * @example
 * count(10000000); // '10,000,000'
 */
export function count(x: number): string {
  const n = Math.round(x);
  return (n < 0 ? '-' : '') + group(String(Math.abs(n)));
}

/**
 * US dollars to the cent.
 * @example
 * usd(1234.5); // '$1,234.50'
 */
export function usd(x: number): string {
  const [whole = '0', frac = '00'] = Math.abs(x).toFixed(2).split('.');
  return `${x < 0 ? '-' : ''}$${group(whole)}.${frac}`;
}

/**
 * A request rate: one decimal below 100 rps, whole numbers with separators above.
 * @example
 * rate(11415.5); // '11,416'
 */
export function rate(x: number): string {
  return x < 100 ? x.toFixed(1) : count(x);
}

/**
 * A volume in short form for axis ticks and labels.
 * @example
 * shortCount(25_000_000); // '25M'
 */
export function shortCount(x: number): string {
  const units: [number, string][] = [[1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, suffix] of units) {
    if (Math.abs(x) >= size) return `${Number((x / size).toPrecision(3))}${suffix}`;
  }
  return String(Number(x.toPrecision(3)));
}

/**
 * Escapes text for HTML and SVG.
 * @example
 * escapeXml('a < b'); // 'a &lt; b'
 */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A span of minutes in the unit a reader would use.
 * @example
 * span(90); // '1.5 h'
 */
export function span(minutes: number): string {
  if (minutes < 120) return `${count(minutes)} min`;
  if (minutes < 2 * 1440) return `${(minutes / 60).toFixed(1)} h`;
  return `${(minutes / 1440).toFixed(1)} days`;
}
