/** In-place softmax with max subtraction for numerical stability. */
export function softmax(logits: Float64Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const z of logits) if (z > max) max = z;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    logits[i] = Math.exp(logits[i]! - max);
    sum += logits[i]!;
  }
  for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! / sum;
  return logits;
}
