// S3 multipart limits: parts of 5 MiB to 5 GiB (the last may be smaller), at
// most 10,000 of them. https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
const MiB = 1024 * 1024;
export const S3_MIN_PART_BYTES = 5 * MiB;
export const S3_MAX_PART_BYTES = 5 * 1024 * MiB;
export const S3_MAX_PARTS = 10_000;

/** Our smallest part: fewer requests than S3's 5 MiB at the same bounded memory. */
export const DEFAULT_MIN_PART_BYTES = 8 * MiB;

/**
 * How big each part of one upload is. Parts need not be equal, so the size can
 * grow with the part number: `basePartBytes` for the first `steadyParts` parts,
 * then doubling every `stepParts` parts. Memory stays at the small base size for
 * ordinary backups while a much bigger one still fits in 10,000 parts.
 */
export interface PartPlan {
  basePartBytes: number;
  steadyParts: number;
  stepParts: number;
}

/**
 * The plan for an upload of `expectedBytes` (undefined when unknown, the usual
 * case for a compressed stream).
 *
 * - Known size: ceil(expected × 1.2 / 9,000) rounded up to a MiB (at least
 *   `minPartBytes`), constant for 9,000 parts; the last 1,000 double every 100,
 *   so even an estimate ten times too low still fits.
 * - Unknown size: `minPartBytes`, doubling every 1,000 parts: 8 GB at 8 MiB
 *   parts, 8 TiB in all (beyond S3's 5 TiB object limit).
 */
export function planParts(expectedBytes?: number, minPartBytes = DEFAULT_MIN_PART_BYTES): PartPlan {
  const minimum = Math.max(S3_MIN_PART_BYTES, minPartBytes);
  if (expectedBytes === undefined || !Number.isFinite(expectedBytes) || expectedBytes < 0) {
    return { basePartBytes: minimum, steadyParts: 1000, stepParts: 1000 };
  }
  const fitted = Math.ceil((expectedBytes * 1.2) / 9000 / MiB) * MiB;
  return { basePartBytes: Math.min(S3_MAX_PART_BYTES, Math.max(minimum, fitted)), steadyParts: 9000, stepParts: 100 };
}

/** Size of part `partNumber` (1-based) under `plan`. */
export function partBytesAt(partNumber: number, plan: PartPlan): number {
  if (partNumber <= plan.steadyParts) return plan.basePartBytes;
  const doublings = Math.floor((partNumber - plan.steadyParts - 1) / plan.stepParts) + 1;
  return Math.min(S3_MAX_PART_BYTES, plan.basePartBytes * 2 ** doublings);
}

/** The largest object the plan can upload within S3's 10,000 parts. */
export function planCapacityBytes(plan: PartPlan): number {
  let total = 0;
  for (let part = 1; part <= S3_MAX_PARTS; part++) total += partBytesAt(part, plan);
  return total;
}
