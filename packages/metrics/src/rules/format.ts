/**
 * Go's float formatting (`strconv.FormatFloat` with 'g' and 'e'), which Prometheus's templates
 * and API print values with: `{{ $value }}` is `%v` (shortest 'g'), humanize is `%.4g`, the
 * rules API's alert value is shortest 'e' with a two-digit exponent ("1e+00").
 */

interface Digits {
  /** Significant digits without trailing zeros, e.g. "15" for 0.015. */
  d: string;
  /** Decimal point position: value = 0.d × 10^dp. */
  dp: number;
  negative: boolean;
}

function digits(v: number, precision: number): Digits {
  const text = precision < 0 ? Math.abs(v).toExponential() : Math.abs(v).toExponential(precision - 1);
  const [mantissa, exp] = text.split('e') as [string, string];
  let d = mantissa.replace('.', '').replace(/0+$/, '');
  if (d === '') d = '0';
  return { d, dp: Number(exp) + 1, negative: v < 0 || Object.is(v, -0) };
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return undefined;
}

function exponentForm(x: Digits): string {
  const exp = x.d === '0' ? 0 : x.dp - 1;
  const mantissa = x.d.length > 1 ? `${x.d[0]}.${x.d.slice(1)}` : x.d;
  const e = Math.abs(exp);
  return `${x.negative ? '-' : ''}${mantissa}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
}

function fixedForm(x: Digits): string {
  let out: string;
  if (x.d === '0') out = '0';
  else if (x.dp <= 0) out = `0.${'0'.repeat(-x.dp)}${x.d}`;
  else if (x.dp >= x.d.length) out = x.d + '0'.repeat(x.dp - x.d.length);
  else out = `${x.d.slice(0, x.dp)}.${x.d.slice(x.dp)}`;
  return (x.negative ? '-' : '') + out;
}

/** Go's `%g` (`precision` < 0: `%v`, the shortest representation). */
export function formatG(v: number, precision = -1): string {
  const s = special(v);
  if (s) return s;
  const x = digits(v, precision);
  let eprec = precision < 0 ? 6 : precision;
  if (precision >= 0 && eprec > x.d.length && x.d.length >= x.dp) eprec = x.d.length;
  const exp = x.d === '0' ? 0 : x.dp - 1;
  return exp < -4 || exp >= eprec ? exponentForm(x) : fixedForm(x);
}

/** Go's `strconv.FormatFloat(v, 'e', -1, 64)`. */
export function formatE(v: number): string {
  return special(v) ?? exponentForm(digits(v, -1));
}

/** Go's `%.Nf`. */
export function formatF(v: number, decimals: number): string {
  return special(v) ?? v.toFixed(decimals);
}
